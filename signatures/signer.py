"""Enveloped XAdES BASELINE-B and -T signing (own XMLDSig implementation on lxml C14N).

Keys are abstracted as ``SigningKey``: a software key (PKCS#12 or PEM, via ``cryptography``) or a
PKCS#11 key (python-pkcs11, e.g. SoftHSM2 in CI or a card/HSM in production).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

from sekap.xmlsafe import parse_untrusted
from signatures import dsig, pkix, tsp
from signatures.constants import (
    DIGEST_URI,
    DS,
    EXC_C14N,
    OS,
    PPZP,
    SIGNATURE_URI,
    SIGNED_PROPERTIES_TYPE,
    TRANSFORM_ENVELOPED,
    TRANSFORM_XPATH,
    XADES,
    XPATH_NOT_SIGNATURE,
)
from signatures.pkix import Fetcher, UrllibFetcher


class SigningError(Exception):
    pass


class SigningKey(Protocol):
    """Produces XMLDSig SignatureValue octets (ECDSA as r||s) over data."""

    key_type: str  # "rsa" | "ec"
    curve_bytes: int

    def sign(self, data: bytes) -> bytes: ...


class SoftwareKey:
    def __init__(self, private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
        if isinstance(private_key, rsa.RSAPrivateKey):
            self.key_type = "rsa"
            self.curve_bytes = 0
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            self.key_type = "ec"
            self.curve_bytes = (private_key.curve.key_size + 7) // 8
        else:
            raise SigningError("Only RSA and EC keys are supported.")
        self._key = private_key

    def sign(self, data: bytes) -> bytes:
        if self.key_type == "rsa":
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(self.curve_bytes, "big") + s.to_bytes(self.curve_bytes, "big")


class Pkcs11Key:
    """A private key on a PKCS#11 token (python-pkcs11)."""

    def __init__(self, *, module: str, token_label: str, pin: str, key_label: str) -> None:
        import pkcs11
        from pkcs11 import KeyType, ObjectClass

        self._pkcs11 = pkcs11
        lib = pkcs11.lib(module)
        token = lib.get_token(token_label=token_label)
        self._session = token.open(user_pin=pin)
        self._key = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key_label)
        if self._key.key_type == KeyType.EC:
            self.key_type = "ec"
            self.curve_bytes = 32
        elif self._key.key_type == KeyType.RSA:
            self.key_type = "rsa"
            self.curve_bytes = 0
        else:
            raise SigningError("Only RSA and EC token keys are supported.")

    def sign(self, data: bytes) -> bytes:
        mech = self._pkcs11.Mechanism
        if self.key_type == "ec":
            # SoftHSM 2.6 offers no CKM_ECDSA_SHA256: hash here, sign the digest on the token.
            return bytes(self._key.sign(hashlib.sha256(data).digest(), mechanism=mech.ECDSA))
        return bytes(self._key.sign(data, mechanism=mech.SHA256_RSA_PKCS))

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True)
class TrustedProfile:
    """The verified user a platform seal signs for (podpis zaufany model)."""

    given_name: str
    surname: str
    pesel: str
    account_id: str


def load_pkcs12(data: bytes, password: bytes | None) -> tuple[SoftwareKey, list[x509.Certificate]]:
    key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    if key is None or cert is None:
        raise SigningError("The PKCS#12 file holds no key and certificate.")
    return SoftwareKey(key), [cert, *(extra or [])]


def load_pem(
    key_pem: bytes, cert_pem: bytes, password: bytes | None = None
) -> tuple[SoftwareKey, list[x509.Certificate]]:
    key = serialization.load_pem_private_key(key_pem, password)
    certs = x509.load_pem_x509_certificates(cert_pem)
    return SoftwareKey(key), certs  # type: ignore[arg-type]


def _sub(
    parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _issuer_serial_v2(cert: x509.Certificate) -> bytes:
    name = asn1_x509.Name.load(cert.issuer.public_bytes())
    return cms.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=name)],
            "serial": cert.serial_number,
        }
    ).dump()


@dataclass(frozen=True, slots=True)
class _CertificateParts:
    """What a signature says of one certificate of its chain, base64-encoded."""

    der: str
    sha256: str
    issuer_serial_v2: str


def _parts_of(cert: x509.Certificate) -> _CertificateParts:
    """Made once per certificate and kept with it (``pkix.derived``, the validator's records):
    a seal signs every receipt with the same chain, and encoding its issuer and serial
    (asn1crypto) cost more than the rest of the signature's XML."""
    return pkix.derived(cert, "signer_parts", _new_parts)


def _new_parts(cert: x509.Certificate) -> _CertificateParts:
    return _CertificateParts(
        der=_b64(pkix.der(cert)),
        sha256=_b64(pkix.cert_digest(cert, "sha256")),
        issuer_serial_v2=_b64(_issuer_serial_v2(cert)),
    )


def sign_enveloped(
    xml_bytes: bytes,
    *,
    key: SigningKey,
    cert_chain: list[x509.Certificate],
    level: str = "B-B",
    trusted_profile: TrustedProfile | None = None,
    tsa_url: str | None = None,
    fetcher: Fetcher | None = None,
    signing_time: datetime | None = None,
    parallel: bool = False,
    reference_by_id: bool = False,
) -> bytes:
    """Add an enveloped XAdES signature as the last child of the document element.

    ``parallel=True`` uses the ``not(ancestor-or-self::ds:Signature)`` XPath transform so that
    further signatures can be added without breaking this one.
    """
    if level not in ("B-B", "B-T"):
        raise SigningError("Only B-B and B-T are supported.")
    if not cert_chain:
        raise SigningError("The signing certificate is required.")
    doc = parse_untrusted(xml_bytes)
    root = doc.root
    cert = cert_chain[0]
    suffix = uuid.uuid4().hex[:16]
    sig_id, sp_id, ref_id, sv_id = (
        f"{p}-{suffix}" for p in ("Signature", "SignedProperties", "Reference", "SignatureValue")
    )
    for value in (sig_id, sp_id, ref_id, sv_id):
        if value in doc.ids:
            raise SigningError("Identifier collision; try again.")
    moment = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    sha256 = DIGEST_URI["sha256"]

    sig = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id=sig_id)
    signed_info = _sub(sig, DS, "SignedInfo")
    _sub(signed_info, DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _sub(signed_info, DS, "SignatureMethod", Algorithm=SIGNATURE_URI[(key.key_type, "sha256")])
    doc_uri = ""
    if reference_by_id:
        root_id = root.get("Id")
        if not root_id:
            raise SigningError("The document element has no Id to reference.")
        doc_uri = f"#{root_id}"
    doc_ref = _sub(signed_info, DS, "Reference", Id=ref_id, URI=doc_uri)
    transforms = _sub(doc_ref, DS, "Transforms")
    if parallel:
        xpath_t = _sub(transforms, DS, "Transform", Algorithm=TRANSFORM_XPATH)
        _sub(xpath_t, DS, "XPath", XPATH_NOT_SIGNATURE)
    else:
        _sub(transforms, DS, "Transform", Algorithm=TRANSFORM_ENVELOPED)
    _sub(transforms, DS, "Transform", Algorithm=EXC_C14N)
    _sub(doc_ref, DS, "DigestMethod", Algorithm=sha256)
    doc_digest = _sub(doc_ref, DS, "DigestValue")
    sp_ref = _sub(signed_info, DS, "Reference", Type=SIGNED_PROPERTIES_TYPE, URI=f"#{sp_id}")
    _sub(_sub(sp_ref, DS, "Transforms"), DS, "Transform", Algorithm=EXC_C14N)
    _sub(sp_ref, DS, "DigestMethod", Algorithm=sha256)
    sp_digest = _sub(sp_ref, DS, "DigestValue")
    sig_value = _sub(sig, DS, "SignatureValue", Id=sv_id)
    x509_data = _sub(_sub(sig, DS, "KeyInfo"), DS, "X509Data")
    for c in cert_chain:
        _sub(x509_data, DS, "X509Certificate", _parts_of(c).der)
    obj = _sub(sig, DS, "Object")
    qp = etree.SubElement(
        obj, f"{{{XADES}}}QualifyingProperties", nsmap={"xades": XADES}, Target=f"#{sig_id}"
    )
    sp = _sub(qp, XADES, "SignedProperties", Id=sp_id)
    ssp = _sub(sp, XADES, "SignedSignatureProperties")
    _sub(ssp, XADES, "SigningTime", moment.isoformat().replace("+00:00", "Z"))
    sc = _sub(_sub(ssp, XADES, "SigningCertificateV2"), XADES, "Cert")
    cd = _sub(sc, XADES, "CertDigest")
    _sub(cd, DS, "DigestMethod", Algorithm=sha256)
    _sub(cd, DS, "DigestValue", _parts_of(cert).sha256)
    _sub(sc, XADES, "IssuerSerialV2", _parts_of(cert).issuer_serial_v2)
    if trusted_profile is not None:
        role = _sub(
            _sub(_sub(ssp, XADES, "SignerRole"), XADES, "ClaimedRoles"), XADES, "ClaimedRole"
        )
        zp = etree.SubElement(role, f"{{{PPZP}}}PodpisZP", nsmap={"ppZP": PPZP, "os": OS})
        person = _sub(_sub(zp, PPZP, "DaneZP"), PPZP, "DaneZPOsobyFizycznej")
        _sub(person, OS, "Imie", trusted_profile.given_name)
        _sub(person, OS, "Nazwisko", trusted_profile.surname)
        _sub(person, OS, "PESEL", trusted_profile.pesel)
        _sub(
            _sub(zp, PPZP, "DanePodpisu"),
            PPZP,
            "IdKontaUzytkownikaEpuap",
            trusted_profile.account_id,
        )
    dof = _sub(
        _sub(sp, XADES, "SignedDataObjectProperties"),
        XADES,
        "DataObjectFormat",
        ObjectReference=f"#{ref_id}",
    )
    _sub(dof, XADES, "MimeType", "text/xml")

    exclude = list(root.iter(f"{{{DS}}}Signature")) if parallel else [sig]
    doc_octets = dsig.canonicalize(
        root if reference_by_id else doc.tree, EXC_C14N, exclude=exclude, comments_allowed=False
    )
    doc_digest.text = _b64(hashlib.sha256(doc_octets).digest())
    sp_digest.text = _b64(
        hashlib.sha256(dsig.canonicalize(sp, EXC_C14N, comments_allowed=False)).digest()
    )
    sig_value.text = _b64(key.sign(dsig.canonicalize(signed_info, EXC_C14N)))

    if level == "B-T":
        url = tsa_url
        if not url:
            raise SigningError("B-T needs a time-stamping authority URL.")
        token = tsp.request_timestamp(
            dsig.canonicalize(sig_value, EXC_C14N), url=url, fetcher=fetcher or UrllibFetcher()
        )
        usp = _sub(_sub(qp, XADES, "UnsignedProperties"), XADES, "UnsignedSignatureProperties")
        ts = _sub(usp, XADES, "SignatureTimeStamp", Id=f"SignatureTimeStamp-{suffix}")
        _sub(ts, DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
        _sub(ts, XADES, "EncapsulatedTimeStamp", _b64(token))
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")


def add_signature_timestamp(
    xml_bytes: bytes, *, tsa_url: str, fetcher: Fetcher | None = None
) -> bytes:
    """Augment every XAdES signature of a document (ours or a third party's) to B-T."""
    doc = parse_untrusted(xml_bytes)
    fetcher = fetcher or UrllibFetcher()
    for sig in doc.root.iter(f"{{{DS}}}Signature"):
        qp = sig.find(f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties")
        sig_value = sig.find(f"{{{DS}}}SignatureValue")
        if qp is None or sig_value is None:
            raise SigningError("Not a XAdES signature.")
        up = qp.find(f"{{{XADES}}}UnsignedProperties")
        if up is None:
            up = _sub(qp, XADES, "UnsignedProperties")
        usp = up.find(f"{{{XADES}}}UnsignedSignatureProperties")
        if usp is None:
            usp = _sub(up, XADES, "UnsignedSignatureProperties")
        if usp.find(f"{{{XADES}}}SignatureTimeStamp") is not None:
            continue
        token = tsp.request_timestamp(
            dsig.canonicalize(sig_value, EXC_C14N), url=tsa_url, fetcher=fetcher
        )
        ts = _sub(
            usp, XADES, "SignatureTimeStamp", Id=f"SignatureTimeStamp-{uuid.uuid4().hex[:16]}"
        )
        _sub(ts, DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
        _sub(ts, XADES, "EncapsulatedTimeStamp", _b64(token))
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")
