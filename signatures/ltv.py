"""Long-term validation: archive time-stamps, the chain of time-stamps, proof of existence.

ETSI EN 319 102-1 §5.6.3 (validation of signatures providing long-term availability), read for
a chain of RFC 3161 time-stamps where each one covers the data and every earlier stamp:

* the latest stamp is validated now (its TSA path to a trust anchor, revocation fetched);
* each earlier stamp is validated at the generation time of the next one, the time at which
  the next stamp proves it existed: its TSA path must have been valid and unrevoked then, with
  the revocation data carried in the signature (``retroactive``: the next stamp protects it);
* the proof of existence (POE) of the protected data is the generation time of the earliest
  stamp of this unbroken chain. A stamp that fails breaks the chain: everything before it gets
  no POE from it.

:func:`prove_existence` is format-neutral (PAdES reuses it for DocTimeStamps: each covers the
revision with the previous ones). :func:`archive_timestamps` computes, for XAdES, what each
``xadesv141:ArchiveTimeStamp`` imprints (EN 319 132-1 §5.5.2.2) and runs the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from lxml import etree

from signatures import dsig, pkix, tsp
from signatures.constants import C14N_10, C14N_METHODS, DS, XADES, XADES141
from signatures.dsig import SignatureFailure
from signatures.report import Indication, Message, SubIndication, TimestampInfo, iso
from signatures.work import WorkBudget

MAX_ARCHIVE_TIMESTAMPS = 20
MAX_VALIDATION_CERTIFICATES = 20
MAX_VALIDATION_REVOCATION = 50
ARCHIVE_TIMESTAMP = "ARCHIVE_TIMESTAMP"
_DS = f"{{{DS}}}"
_X = f"{{{XADES}}}"
_X141 = f"{{{XADES141}}}"
_SKEW = timedelta(minutes=5)

_PATH_SUB = {
    "no_chain": SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    "no_revinfo": SubIndication.TRY_LATER,
    "revoked": SubIndication.REVOKED_NO_POE,
    "ca_revoked": SubIndication.REVOKED_CA_NO_POE,
    "expired": SubIndication.OUT_OF_BOUNDS_NO_POE,
    "not_yet_valid": SubIndication.OUT_OF_BOUNDS_NO_POE,
    "crypto": SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
}


@dataclass(frozen=True)
class Stamp:
    """An RFC 3161 token and the octets its message imprint must be the digest of."""

    token: bytes
    data: bytes


@dataclass
class ExistenceProof:
    """What a chain of stamps proves: one report entry per stamp (in the order given), the
    POE of the data the first stamp of the unbroken chain covers, and the TSA certificates
    that were trusted."""

    timestamps: list[TimestampInfo]
    poe: datetime | None
    tsa_certificates: list[x509.Certificate] = field(default_factory=list)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def prove_existence(
    *,
    stamps: Sequence[Stamp],
    anchors: list[x509.Certificate],
    pool: list[x509.Certificate],
    env: pkix.PkixEnvironment,
    now: datetime,
    ocsps: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
    kind: str = ARCHIVE_TIMESTAMP,
) -> ExistenceProof:
    """Validate a chain of time-stamps, ``stamps`` in the order they were added (each must
    cover the data of the earlier ones: the caller's imprint computation ensures it), and
    return the proof of existence it gives. Never raises for a bad token."""
    infos: list[TimestampInfo] = [_info(kind) for _ in stamps]
    proof = ExistenceProof(infos, None)
    control = now
    for index in range(len(stamps) - 1, -1, -1):
        info = infos[index]
        check = tsp.verify_token(stamps[index].token, stamps[index].data)
        if not check.ok:
            info.sub_indication = (
                SubIndication.HASH_FAILURE
                if "imprint" in check.message
                else SubIndication.SIG_CRYPTO_FAILURE
            )
            info.errors.append(Message("tst.invalid", check.message))
            _break(infos[:index])
            return proof
        info.generation_time = iso(check.gen_time)
        info.serial_number = format(check.serial_number or 0, "x")
        info.tsa = pkix.dn(check.tsa_certificate.subject)
        if check.gen_time > control + _SKEW:
            info.indication = Indication.INDETERMINATE
            info.sub_indication = SubIndication.TIMESTAMP_ORDER_FAILURE
            info.errors.append(
                Message("tst.order", "The time-stamp is later than the one that covers it.")
            )
            _break(infos[:index])
            return proof
        latest = index == len(stamps) - 1
        path = pkix.check_certificate(
            check.tsa_certificate,
            pool=check.certificates + pool,
            anchors=anchors,
            moment=control,
            env=env,
            embedded_ocsps=list(ocsps) if not latest else None,
            embedded_crls=list(crls) if not latest else None,
            fetch=latest,
            retroactive=not latest,
        )
        if latest and path.status == "no_revinfo" and (ocsps or crls):
            path = pkix.check_certificate(
                check.tsa_certificate,
                pool=check.certificates + pool,
                anchors=anchors,
                moment=check.gen_time,
                env=env,
                embedded_ocsps=list(ocsps),
                embedded_crls=list(crls),
                fetch=False,
                retroactive=True,
            )
        if path.status != "ok":
            info.indication = Indication.INDETERMINATE
            info.sub_indication = _PATH_SUB.get(
                path.status, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
            )
            when = "now" if latest else f"at {iso(control)}"
            info.errors.append(
                Message("tst.tsa_certificate", f"TSA path {when}: {path.message[:300]}")
            )
            _break(infos[:index])
            return proof
        info.indication, info.sub_indication = Indication.PASSED, None
        proof.tsa_certificates.append(check.tsa_certificate)
        control = proof.poe = check.gen_time
    return proof


def _info(kind: str) -> TimestampInfo:
    return TimestampInfo(
        type=kind,
        indication=Indication.FAILED,
        sub_indication=None,
        generation_time=None,
        tsa=None,
        serial_number=None,
    )


def _break(earlier: list[TimestampInfo]) -> None:
    for info in earlier:
        info.indication, info.sub_indication = Indication.INDETERMINATE, SubIndication.NO_POE
        info.errors.append(
            Message("tst.no_poe", "Not evaluated: a later time-stamp that covers it failed.")
        )


# --- XAdES -------------------------------------------------------------------------------------


def archive_timestamp_input(
    parts: dsig.SignatureParts,
    verified: Sequence[dsig.VerifiedReference],
    unsigned_signature_properties: etree._Element,
    archive_timestamp: etree._Element,
    method: str,
) -> bytes:
    """The octets an ``ArchiveTimeStamp`` imprints (EN 319 132-1 §5.5.2.2): the referenced
    data as digested, ``SignedInfo``, ``SignatureValue``, ``KeyInfo``, every unsigned signature
    property before this time-stamp, and the ``ds:Object`` elements no reference covers except
    the one holding the qualifying properties; each canonicalised with ``method``."""
    out = [v.octets for v in verified]
    out.append(dsig.canonicalize(parts.signed_info, method))
    out.append(dsig.canonicalize(parts.signature_value_element, method))
    if parts.key_info is not None:
        out.append(dsig.canonicalize(parts.key_info, method))
    for child in unsigned_signature_properties:
        if child is archive_timestamp:
            break
        if isinstance(child.tag, str):
            out.append(dsig.canonicalize(child, method))
    referenced = {id(v.target) for v in verified if v.target is not None}
    for obj in parts.objects:
        if id(obj) in referenced or obj.find(_X + "QualifyingProperties") is not None:
            continue
        out.append(dsig.canonicalize(obj, method))
    return b"".join(out)


def _token_of(element: etree._Element) -> tuple[bytes, str]:
    method_el = element.find(_DS + "CanonicalizationMethod")
    method = method_el.get("Algorithm") if method_el is not None else C14N_10
    if method not in C14N_METHODS:
        raise dsig.format_failure("tst.c14n", "Time-stamp canonicalization not allowed.")
    encapsulated = element.findall(_X + "EncapsulatedTimeStamp")
    if len(encapsulated) != 1:
        raise dsig.format_failure("tst.structure", "Exactly one EncapsulatedTimeStamp is required.")
    return dsig.b64decode_strict(encapsulated[0].text, "EncapsulatedTimeStamp"), method


def archive_elements(usp: etree._Element | None) -> list[etree._Element]:
    if usp is None:
        return []
    return [c for c in usp if c.tag in (_X141 + "ArchiveTimeStamp", _X + "ArchiveTimeStamp")]


def timestamp_validation_data(usp: etree._Element | None) -> tuple[list[bytes], list[bytes]]:
    """Certificates and revocation values of ``xadesv141:TimeStampValidationData`` (the
    material added for the time-stamps' TSAs before each archive time-stamp)."""
    certs: list[bytes] = []
    revocation: list[bytes] = []
    if usp is None:
        return certs, revocation
    for data in usp.iterfind(_X141 + "TimeStampValidationData"):
        for el in data.iterfind(f"{_X}CertificateValues/{_X}EncapsulatedX509Certificate"):
            certs.append(dsig.b64decode_strict(el.text, "EncapsulatedX509Certificate"))
        for el in data.iterfind(f"{_X}RevocationValues/*/*"):
            revocation.append(dsig.b64decode_strict(el.text, "RevocationValues"))
    return certs, revocation


@dataclass
class ArchiveEvaluation:
    proof: ExistenceProof
    ocsps: list[bytes]
    crls: list[bytes]
    certificates: list[x509.Certificate]


def archive_timestamps(
    *,
    parts: dsig.SignatureParts,
    verified: Sequence[dsig.VerifiedReference],
    unsigned_signature_properties: etree._Element,
    anchors: list[x509.Certificate],
    pool: list[x509.Certificate],
    env: pkix.PkixEnvironment,
    now: datetime,
    ocsps: Sequence[bytes],
    crls: Sequence[bytes],
    work: WorkBudget | None = None,
) -> ArchiveEvaluation | None:
    """Evaluate a XAdES signature's archive time-stamps (None when it has none). The octets
    canonicalised for them are charged to ``work``."""
    elements = archive_elements(unsigned_signature_properties)
    if not elements:
        return None
    if len(elements) > MAX_ARCHIVE_TIMESTAMPS:
        raise dsig.format_failure("dsig.limits", "Too many archive time-stamps.")
    extra_certs, revocation = timestamp_validation_data(unsigned_signature_properties)
    if (
        len(extra_certs) > MAX_VALIDATION_CERTIFICATES
        or len(revocation) > MAX_VALIDATION_REVOCATION
    ):
        raise dsig.format_failure(
            "dsig.limits", "Too many certificates or revocation values for the time-stamps."
        )
    certificates = []
    for der in extra_certs:
        try:
            certificates.append(pkix.load_certificate(der))
        except ValueError:
            continue
    all_ocsps, all_crls = list(ocsps), list(crls)
    for value in revocation:
        (all_crls if _is_crl(value) else all_ocsps).append(value)
    stamps = []
    failed: list[tuple[int, SignatureFailure]] = []
    for element in elements:
        try:
            token, method = _token_of(element)
            data = archive_timestamp_input(
                parts, verified, unsigned_signature_properties, element, method
            )
            if work is not None:
                work.reserve(len(data))
                work.spent_bytes += len(data)
                work.check_cpu()
        except SignatureFailure as exc:
            failed.append((len(stamps), exc))
            token, data = b"", b""
        stamps.append(Stamp(token, data))
    proof = prove_existence(
        stamps=stamps,
        anchors=anchors,
        pool=certificates + pool,
        env=env,
        now=now,
        ocsps=all_ocsps,
        crls=all_crls,
    )
    for index, exc in failed:
        proof.timestamps[index].errors.insert(0, Message(exc.code, exc.message))
        proof.timestamps[index].sub_indication = SubIndication.FORMAT_FAILURE
    return ArchiveEvaluation(proof, all_ocsps, all_crls, certificates)


def _is_crl(value: bytes) -> bool:
    try:
        x509.load_der_x509_crl(value)
    except ValueError:
        return False
    return True


__all__ = [
    "ARCHIVE_TIMESTAMP",
    "ArchiveEvaluation",
    "ExistenceProof",
    "Stamp",
    "archive_timestamp_input",
    "archive_timestamps",
    "prove_existence",
]
