"""XAdES qualifying properties (ETSI EN 319 132-1), read only from elements the caller
has established as signed (the verified SignedProperties) or, for unsigned properties, from
this signature's own QualifyingProperties."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from lxml import etree

from signatures import pkix
from signatures.constants import DIGESTS, DS, OS, PPZP, XADES, XADES141
from signatures.dsig import SignatureParts, b64decode_strict, format_failure
from signatures.report import SignerInfo, TrustedProfileIdentity

_X = f"{{{XADES}}}"
_DS = f"{{{DS}}}"


@dataclass
class CertRef:
    digest_name: str
    digest_value: bytes
    issuer_serial_v2: bytes | None = None
    serial_number: int | None = None


@dataclass
class Qualifying:
    qualifying: etree._Element
    signed_properties: etree._Element
    signed_properties_id: str
    unsigned_signature_properties: etree._Element | None
    level: str
    cert_refs_v2: list[CertRef] = field(default_factory=list)
    cert_refs_v1: list[CertRef] = field(default_factory=list)


def locate(parts: SignatureParts) -> Qualifying:
    """Find this signature's single QualifyingProperties and its SignedProperties (FC)."""
    found = []
    for obj in parts.objects:
        for child in obj:
            if child.tag == _X + "QualifyingProperties":
                found.append(child)
    if not found:
        raise format_failure(
            "xades.missing", "Not a XAdES signature: no QualifyingProperties in the signature."
        )
    if len(found) > 1:
        raise format_failure(
            "xades.duplicate", "More than one QualifyingProperties in the signature."
        )
    qp = found[0]
    target = qp.get("Target") or ""
    if not parts.id or target != "#" + parts.id:
        raise format_failure(
            "xades.target", "QualifyingProperties Target does not point at this signature."
        )
    sp = [c for c in qp if c.tag == _X + "SignedProperties"]
    if len(sp) != 1:
        raise format_failure("xades.signed_properties", "Exactly one SignedProperties is required.")
    sp_el = sp[0]
    sp_id = sp_el.get("Id")
    if not sp_id:
        raise format_failure("xades.signed_properties", "SignedProperties must carry an Id.")
    usp = qp.find(f"{_X}UnsignedProperties/{_X}UnsignedSignatureProperties")
    level = "B-B"
    if usp is not None:
        names = {etree.QName(c).localname for c in usp if isinstance(c.tag, str)}
        if "SignatureTimeStamp" in names:
            level = "B-T"
            if "CertificateValues" in names and "RevocationValues" in names:
                level = "B-LT"
                if "ArchiveTimeStamp" in names:
                    level = "B-LTA"
    q = Qualifying(qp, sp_el, sp_id, usp, level)
    ssp = sp_el.find(f"{_X}SignedSignatureProperties")
    if ssp is not None:
        v2 = ssp.find(f"{_X}SigningCertificateV2")
        if v2 is not None:
            q.cert_refs_v2 = _cert_refs(v2, version=2)
        v1 = ssp.find(f"{_X}SigningCertificate")
        if v1 is not None:
            q.cert_refs_v1 = _cert_refs(v1, version=1)
    return q


def _cert_refs(container: etree._Element, *, version: int) -> list[CertRef]:
    refs = []
    for cert in container.findall(f"{_X}Cert"):
        method = cert.find(f"{_X}CertDigest/{_DS}DigestMethod")
        value = cert.find(f"{_X}CertDigest/{_DS}DigestValue")
        if method is None or value is None or (method.get("Algorithm") or "") not in DIGESTS:
            raise format_failure("xades.cert_digest", "Malformed CertDigest in SigningCertificate.")
        ref = CertRef(DIGESTS[method.get("Algorithm")], b64decode_strict(value.text, "CertDigest"))
        if version == 2:
            isv2 = cert.find(f"{_X}IssuerSerialV2")
            if isv2 is not None:
                ref.issuer_serial_v2 = b64decode_strict(isv2.text, "IssuerSerialV2")
        else:
            serial = cert.find(f"{_X}IssuerSerial/{_DS}X509SerialNumber")
            if serial is not None:
                try:
                    ref.serial_number = int((serial.text or "").strip())
                except ValueError:
                    raise format_failure(
                        "xades.issuer_serial", "Malformed X509SerialNumber."
                    ) from None
        refs.append(ref)
    if not refs:
        raise format_failure("xades.cert_digest", "SigningCertificate lists no certificate.")
    return refs


def issuer_serial_matches(ref: CertRef, cert: x509.Certificate) -> bool:
    if ref.serial_number is not None and ref.serial_number != cert.serial_number:
        return False
    if ref.issuer_serial_v2 is None or ref.issuer_serial_v2 == _issuer_serial_der(cert):
        return True
    try:
        from asn1crypto import cms

        parsed = cms.IssuerSerial.load(ref.issuer_serial_v2)
        serial = parsed["serial"].native
        expected = asn1_x509.Name.load(cert.issuer.public_bytes())
        issuer_ok = any(
            n.name == "directory_name" and n.chosen == expected for n in parsed["issuer"]
        )
    except Exception:
        return False
    return serial == cert.serial_number and issuer_ok


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _issuer_serial_der(cert: x509.Certificate) -> bytes:
    return pkix.derived(cert, "issuer_serial", _new_issuer_serial_der)


def _new_issuer_serial_der(cert: x509.Certificate) -> bytes:
    """DER of IssuerSerial { issuer: [directoryName: the issuer's Name], serial } (RFC 5035),
    as a signing tool writes it into IssuerSerialV2: built directly (asn1crypto took a
    noticeable share of a new signer's validation)."""
    serial = cert.serial_number
    serial_bytes = serial.to_bytes(serial.bit_length() // 8 + 1, "big", signed=True)
    general_names = _der(0x30, _der(0xA4, pkix.name_ders(cert)[0]))
    return _der(0x30, general_names + _der(0x02, serial_bytes))


def signing_time(sp: etree._Element) -> datetime | None:
    el = sp.find(f"{_X}SignedSignatureProperties/{_X}SigningTime")
    if el is None:
        return None
    text = (el.text or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise format_failure("xades.signing_time", "SigningTime is not an xs:dateTime.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def unsigned_values(usp: etree._Element | None) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(certificates, OCSP responses, CRLs) embedded for B-LT."""
    certs: list[bytes] = []
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    if usp is None:
        return certs, ocsps, crls
    for el in usp.iterfind(f"{_X}CertificateValues/{_X}EncapsulatedX509Certificate"):
        certs.append(b64decode_strict(el.text, "EncapsulatedX509Certificate"))
    for el in usp.iterfind(f"{_X}RevocationValues/{_X}OCSPValues/{_X}EncapsulatedOCSPValue"):
        ocsps.append(b64decode_strict(el.text, "EncapsulatedOCSPValue"))
    for el in usp.iterfind(f"{_X}RevocationValues/{_X}CRLValues/{_X}EncapsulatedCRLValue"):
        crls.append(b64decode_strict(el.text, "EncapsulatedCRLValue"))
    return certs, ocsps, crls


def key_info_certificates(parts: SignatureParts) -> list[bytes]:
    if parts.key_info is None:
        return []
    out = []
    for el in parts.key_info.iterfind(f"{_DS}X509Data/{_DS}X509Certificate"):
        try:
            out.append(base64.b64decode("".join((el.text or "").split()), validate=True))
        except (binascii.Error, ValueError):
            raise format_failure("dsig.base64", "X509Certificate is not valid base64.") from None
    return out


def trusted_profile(sp: etree._Element) -> tuple[TrustedProfileIdentity | None, int]:
    """The PodpisZP identity from the (verified) SignedProperties; returns (identity, count)."""
    roles = sp.findall(
        f"{_X}SignedSignatureProperties/{_X}SignerRoleV2/{_X}ClaimedRoles/{_X}ClaimedRole/{{{PPZP}}}PodpisZP"
    ) + sp.findall(
        f"{_X}SignedSignatureProperties/{_X}SignerRole/{_X}ClaimedRoles/{_X}ClaimedRole/{{{PPZP}}}PodpisZP"
    )
    if len(roles) != 1:
        return None, len(roles)
    zp = roles[0]
    person = zp.find(f"{{{PPZP}}}DaneZP/{{{PPZP}}}DaneZPOsobyFizycznej")
    account = zp.find(f"{{{PPZP}}}DanePodpisu/{{{PPZP}}}IdKontaUzytkownikaEpuap")
    if person is None or account is None:
        return None, 1

    def text(parent: etree._Element, tag: str) -> str:
        el = parent.find(tag)
        return (el.text or "").strip() if el is not None else ""

    identity = TrustedProfileIdentity(
        given_name=text(person, f"{{{OS}}}Imie"),
        surname=text(person, f"{{{OS}}}Nazwisko"),
        pesel=text(person, f"{{{OS}}}PESEL"),
        account_id=(account.text or "").strip(),
    )
    if not (identity.given_name and identity.surname and re.fullmatch(r"\d{11}", identity.pesel)):
        return None, 1
    return identity, 1


_PESEL = re.compile(r"(?:PNOPL|PESEL)\D{0,3}(\d{11})")
_NIP = re.compile(r"(?:TINPL|NIP|VATPL)\D{0,3}(\d{10})")


def signer_info(cert: x509.Certificate) -> SignerInfo:
    """The signer's data for the report (kept with the certificate; never mutated)."""
    return pkix.derived(cert, "signer_info", _new_signer_info)


def _new_signer_info(cert: x509.Certificate) -> SignerInfo:
    first: dict[x509.ObjectIdentifier, str] = {}
    for attribute in cert.subject:  # one pass (get_attributes_for_oid walks it per OID)
        first.setdefault(attribute.oid, str(attribute.value))

    def attr(oid: x509.ObjectIdentifier) -> str | None:
        return first.get(oid)

    from cryptography.x509.oid import NameOID

    serial_attr = attr(NameOID.SERIAL_NUMBER) or ""
    org_id = attr(x509.ObjectIdentifier("2.5.4.97")) or ""
    pesel = _PESEL.search(serial_attr)
    nip = _NIP.search(serial_attr) or _NIP.search(org_id)
    usages = []
    found = pkix.extension(cert, ExtensionOID.KEY_USAGE)
    if found is not None:
        ku = found.value
        for name in (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "key_cert_sign",
            "crl_sign",
        ):
            if getattr(ku, name):
                usages.append("non_repudiation" if name == "content_commitment" else name)
    qualified, qc_type = qc_statements(cert)
    return SignerInfo(
        subject=pkix.subject_dn(cert),
        issuer=pkix.issuer_dn(cert),
        serial_number=format(cert.serial_number, "x"),
        common_name=attr(NameOID.COMMON_NAME),
        given_name=attr(NameOID.GIVEN_NAME),
        surname=attr(NameOID.SURNAME),
        organization=attr(NameOID.ORGANIZATION_NAME),
        pesel=pesel.group(1) if pesel else None,
        nip=nip.group(1) if nip else None,
        key_usage=usages,
        qualified=qualified,
        qc_type=qc_type,
    )


QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPES = {"0.4.0.1862.1.6.1": "esign", "0.4.0.1862.1.6.2": "eseal", "0.4.0.1862.1.6.3": "web"}


class _QcStatement(core.Sequence):
    _fields = [
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class _QcStatements(core.SequenceOf):
    _child_spec = _QcStatement


class _QcTypes(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


def qc_statements(cert: x509.Certificate) -> tuple[bool, str | None]:
    """(QcCompliance stated, QcType) from the certificate's QCStatements extension; a
    malformed extension states nothing."""
    try:
        found = pkix.extension(cert, QC_STATEMENTS)
        if found is None:
            return False, None
        statements = _QcStatements.load(found.value.value)
        compliance, qc_type = False, None
        for statement in statements:
            oid = statement["statement_id"].dotted
            if oid == QC_COMPLIANCE:
                compliance = True
            elif oid == QC_TYPE and statement["statement_info"].native is not None:
                types = _QcTypes.load(statement["statement_info"].dump())
                qc_type = next((QC_TYPES[t.dotted] for t in types if t.dotted in QC_TYPES), None)
        return compliance, qc_type
    except Exception:
        return False, None


__all__ = ["XADES141"]
