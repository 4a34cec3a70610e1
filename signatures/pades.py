"""PAdES (PDF) signature validation: pyHanko reads the PDF, the CMS signature and the
modifications after signing; the platform's trust store and revocation policy judge the signer.

The building blocks run in the XAdES validator's order (``signatures/validator.py``):

FC   the PDF parses; the signature is a PAdES/PKCS#7 detached CMS; its byte range covers a whole
     revision; later incremental updates are allowed by its DocMDP level (pyHanko's diff
     analysis; anything else is FORMAT_FAILURE, as EU DSS's DocMDP check fails the FC block).
ISC  the signer's certificate is in the CMS and matches signing-certificate(-v2).
CV   the byte-range digest equals the signed message digest (else HASH_FAILURE) and the
     signature verifies (else SIG_CRYPTO_FAILURE).
SAV  strong algorithms and key sizes, a signing key usage.
TS   signature time-stamps (RFC 3161 over the signature value) give the best-signature-time.
XCV  ``pkix.check_certificate``: path to the platform's anchors with OCSP/CRL through the
     platform's fetcher and caches; the DSS's revocation values (B-LT) at the best-signature-
     time when the present check cannot pass.

Document time-stamps (``/DocTimeStamp``, each over its own byte range: the revisions before it,
earlier stamps included) after the signature are a chain of archive time-stamps:
``ltv.prove_existence`` validates it (the latest now, each earlier one at the next one's time
with the DSS's revocation values) and its proof of existence lets the signature time-stamp, and
through it the signer, be validated at a time their certificates were valid (B-LTA).
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from datetime import UTC, datetime

from asn1crypto import cms
from cryptography import x509

from signatures import ltv, pkix, xades
from signatures.constants import STRONG_DIGESTS
from signatures.qualification import qualification
from signatures.report import (
    Indication,
    Message,
    ScopeEntry,
    SignatureReport,
    SubIndication,
    TimestampInfo,
    ValidationReport,
    iso,
    overall,
)
from signatures.validator import (
    MAX_CERTIFICATES,
    MAX_TIMESTAMPS,
    ValidationPolicy,
    _anchor_certificates,
    _cert_info,
    _judge,
    _key_profile,
    _path_infos,
    _services,
    _Verdict,
    check_timestamp,
)
from signatures.work import WorkBudget, WorkBudgetExceeded

logger = logging.getLogger(__name__)

FORMAT = "PAdES"
_SUBFILTERS = {"/ETSI.CAdES.detached", "/adbe.pkcs7.detached"}
# What pyHanko's diff analysis calls the changes after signing (ModificationLevel), in words.
_MODIFICATIONS = {
    "LTA_UPDATES": "validation data and document time-stamps",
    "FORM_FILLING": "form filling and new signatures",
    "ANNOTATIONS": "annotations",
}


def is_pdf(data: bytes) -> bool:
    """A PDF header within the first kilobyte (ISO 32000-1 §7.5.2 allows leading bytes); an
    XML document that merely mentions one is still XML."""
    if not isinstance(data, bytes | bytearray):
        return False
    head = bytes(data[:1024])
    return b"%PDF-" in head and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


class _Failure(Exception):
    def __init__(self, indication: str, sub_indication: str, code: str, message: str) -> None:
        super().__init__(message)
        self.indication, self.sub_indication = indication, sub_indication
        self.code, self.message = code, message


def _format(code: str, message: str) -> _Failure:
    return _Failure(Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE, code, message)


def validate_pdf(
    data: bytes,
    *,
    policy: ValidationPolicy | None = None,
    env: pkix.PkixEnvironment | None = None,
) -> ValidationReport:
    """Validate every signature of a PDF. Never raises for any input."""
    policy = policy or ValidationPolicy()
    env = env or pkix.PkixEnvironment()
    now = policy.validation_time or datetime.now(UTC)
    report = ValidationReport(
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        validation_time=iso(now),
        policy=policy.name,
        document_sha256=hashlib.sha256(data).hexdigest(),
    )
    if len(data) > policy.limits.max_bytes:
        report.errors.append(Message("pdf.too_large", "The PDF is larger than the limit."))
        return report
    work = WorkBudget(
        max_bytes=policy.max_canonical_bytes,
        max_cpu_seconds=policy.max_cpu_seconds,
        _started=time.thread_time(),
    )
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(data), strict=True)
        signatures = reader.embedded_regular_signatures
        doc_timestamps = reader.embedded_timestamp_signatures
    except Exception as exc:  # pyHanko raises many kinds for a broken file
        report.errors.append(Message("pdf.syntax", f"The PDF cannot be read: {str(exc)[:200]}"))
        return report
    if len(signatures) > policy.max_signatures or len(doc_timestamps) > MAX_TIMESTAMPS:
        report.errors.append(
            Message("dsig.limits", f"More than {policy.max_signatures} signatures.")
        )
        return report
    try:
        evidence = _Evidence.read(reader, data, doc_timestamps)
        for embedded in signatures:
            work.check_cpu()
            report.signatures.append(_validate_one(embedded, evidence, policy, env, now, work))
    except WorkBudgetExceeded as exc:
        report.signatures = []
        report.errors.append(Message(exc.code, exc.message))
        report.indication, report.sub_indication = exc.indication, exc.sub_indication
        return report
    except Exception as exc:
        logger.exception("Unexpected PAdES validator error")
        report.signatures = []
        report.errors.append(Message("validator.internal_error", type(exc).__name__))
        report.indication, report.sub_indication = (
            Indication.INDETERMINATE,
            SubIndication.POLICY_PROCESSING_ERROR,
        )
        return report
    report.indication, report.sub_indication = overall(report.signatures)
    return report


class _Evidence:
    """What the document holds for every signature: the DSS (B-LT) and document time-stamps."""

    def __init__(self) -> None:
        self.certificates: list[x509.Certificate] = []
        self.ocsps: list[bytes] = []
        self.crls: list[bytes] = []
        self.doc_timestamps: list[tuple[int, bytes, bytes]] = []  # (revision, token, covered)

    @classmethod
    def read(cls, reader, data: bytes, doc_timestamps) -> _Evidence:
        from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

        evidence = cls()
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            dss = None
        if dss is not None:
            for cert in dss.load_certs():
                evidence.certificates.append(pkix.load_certificate(cert.dump()))
            evidence.ocsps = [_stream(ref) for ref in dss.ocsps]
            evidence.crls = [_stream(ref) for ref in dss.crls]
        if len(evidence.certificates) > MAX_CERTIFICATES * 5 or (
            len(evidence.ocsps) + len(evidence.crls) > 50
        ):
            raise ValueError("too many DSS entries")
        for stamp in doc_timestamps:
            evidence.doc_timestamps.append(
                (stamp.signed_revision, stamp.pkcs7_content, _covered_bytes(data, stamp.byte_range))
            )
        return evidence


def _stream(ref) -> bytes:
    return ref.get_object().data


def _covered_bytes(data: bytes, byte_range) -> bytes:
    values = [int(v) for v in byte_range]
    if len(values) != 4:
        return b""
    return data[values[0] : values[0] + values[1]] + data[values[2] : values[2] + values[3]]


def _validate_one(embedded, evidence: _Evidence, policy, env, now, work) -> SignatureReport:
    sr = SignatureReport(
        id=str(embedded.field_name),
        indication=Indication.INDETERMINATE,
        sub_indication=None,
        signature_format=FORMAT,
    )
    try:
        _checks(embedded, evidence, sr, policy, env, now, work)
        sr.indication, sr.sub_indication = Indication.TOTAL_PASSED, None
    except _Failure as exc:
        sr.indication, sr.sub_indication = exc.indication, exc.sub_indication
        sr.error(exc.code, exc.message)
    except _Verdict as verdict:
        sr.indication, sr.sub_indication = verdict.indication, verdict.sub_indication
    except WorkBudgetExceeded:
        raise
    except Exception as exc:
        logger.exception("Unexpected error validating a PDF signature")
        sr.indication, sr.sub_indication = (
            Indication.INDETERMINATE,
            SubIndication.POLICY_PROCESSING_ERROR,
        )
        sr.error("validator.internal_error", type(exc).__name__)
    return sr


def _checks(embedded, evidence: _Evidence, sr: SignatureReport, policy, env, now, work) -> None:
    from pyhanko.sign.validation import generic_cms
    from pyhanko.sign.validation.errors import SignatureValidationError

    # --- FC ------------------------------------------------------------------------------------
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter not in _SUBFILTERS:
        raise _format("pades.subfilter", f"Signature SubFilter {subfilter[:40]!r} not supported.")
    signer_info = embedded.signer_info
    sr.signature_method = signer_info["signature_algorithm"]["algorithm"].native
    # --- ISC -----------------------------------------------------------------------------------
    try:
        certs = generic_cms.extract_certs_for_validation(embedded.signed_data)
    except SignatureValidationError as exc:
        raise _Failure(
            Indication.INDETERMINATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "pades.signing_certificate_not_found",
            str(exc.failure_message)[:300],
        ) from None
    if len(certs.other_certs) > MAX_CERTIFICATES:
        raise _format("dsig.limits", "Too many embedded certificates.")
    signing_cert = pkix.load_certificate(certs.signer_cert.dump())
    sr.signed_by = xades.signer_info(signing_cert)
    # --- CV ------------------------------------------------------------------------------------
    try:
        embedded.compute_integrity_info()
    except SignatureValidationError as exc:  # e.g. a hybrid-reference file (strict reading)
        raise _format("pades.structure", str(exc.failure_message)[:300]) from None
    work.check_cpu()
    digest = embedded.compute_digest()
    try:
        intact, valid = generic_cms.validate_sig_integrity(
            signer_info, certs.signer_cert, "data", digest
        )
    except SignatureValidationError as exc:
        raise _format("pades.cms", str(exc.failure_message)[:300]) from None
    if not intact:
        raise _Failure(
            Indication.TOTAL_FAILED,
            SubIndication.HASH_FAILURE,
            "pades.digest",
            "The signed bytes of the PDF were changed after signing.",
        )
    if not valid:
        raise _Failure(
            Indication.TOTAL_FAILED,
            SubIndication.SIG_CRYPTO_FAILURE,
            "pades.signature_value",
            "The signature value does not verify with the signer's key.",
        )
    _check_modifications(embedded, sr)
    # --- SAV -----------------------------------------------------------------------------------
    claimed = embedded.self_reported_timestamp
    if claimed is not None:
        claimed = claimed.astimezone(UTC)
        sr.claimed_signing_time = iso(claimed)
        if claimed > now + policy.clock_skew:
            sr.warn("xades.signing_time_future", "The claimed signing time is in the future.")
    key_kind, key_bits, ku_ok = _key_profile(signing_cert)
    weak = []
    if embedded.md_algorithm not in STRONG_DIGESTS:
        weak.append(f"digest {embedded.md_algorithm}")
    if key_kind == "rsa" and key_bits < policy.min_rsa_bits:
        weak.append(f"RSA-{key_bits}")
    elif key_kind == "ec" and key_bits < policy.min_ec_bits:
        weak.append(f"EC-{key_bits}")
    elif key_kind == "other":
        weak.append("unsupported key type")
    if weak:
        sr.error("sav.crypto_constraints", "Algorithm policy not met: " + ", ".join(weak))
        raise _Verdict(Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)
    if not ku_ok:
        sr.error(
            "xcv.key_usage",
            "The signing certificate allows neither nonRepudiation nor digitalSignature.",
        )
        raise _Verdict(Indication.INDETERMINATE, SubIndication.CHAIN_CONSTRAINTS_FAILURE)
    # --- time-stamps ---------------------------------------------------------------------------
    anchors = _anchor_certificates(policy.trust_anchors)
    pool = (
        [pkix.load_certificate(c.dump()) for c in certs.other_certs]
        + evidence.certificates
        + [pkix.load_certificate(c) for c in policy.extra_certificates]
    )
    embedded_revinfo = (evidence.ocsps, evidence.crls)
    ts_times: list[datetime] = []
    tokens = _signature_timestamps(signer_info)
    if len(tokens) > MAX_TIMESTAMPS:
        raise _format("dsig.limits", "Too many signature time-stamps.")
    archive = [item for item in evidence.doc_timestamps if item[0] > embedded.signed_revision]
    proof = None
    if archive:
        proof = ltv.prove_existence(
            stamps=[ltv.Stamp(token, covered) for _revision, token, covered in archive],
            anchors=anchors,
            pool=pool,
            env=env,
            now=now,
            ocsps=evidence.ocsps,
            crls=evidence.crls,
            kind="DOCUMENT_TIMESTAMP",
        )
        if proof.poe is None:
            sr.warn("tst.archive", "The document time-stamps give no proof of existence.")
    poe = proof.poe if proof else None
    for token in tokens:
        info, _ = check_timestamp(
            token,
            signer_info["signature"].native,
            kind="SIGNATURE_TIMESTAMP",
            anchors=anchors,
            pool=pool,
            env=env,
            now=now,
            embedded=embedded_revinfo,
            poe=poe,
        )
        _note_timestamp(sr, info)
        if info.indication == Indication.PASSED and info.generation_time:
            ts_times.append(datetime.fromisoformat(info.generation_time.replace("Z", "+00:00")))
    if proof is not None:
        sr.timestamps.extend(proof.timestamps)
        sr.certificates.extend(_cert_info(c, "TIMESTAMP") for c in proof.tsa_certificates)
        if poe is not None and not ts_times:
            ts_times.append(poe)  # the document time-stamp proves the signature existed
    sr.signature_level = f"PAdES-BASELINE-{_level(tokens, evidence, archive)}"
    best = min(ts_times) if ts_times else now
    if ts_times and claimed is not None and claimed > best + policy.clock_skew:
        sr.warn(
            "xades.signing_time_after_timestamp",
            "The claimed signing time is after the signature time-stamp.",
        )
    sr.best_signature_time = iso(best)
    reference = claimed or best
    if reference < signing_cert.not_valid_before_utc - policy.clock_skew:
        sr.error(
            "xcv.not_yet_valid",
            "The signing certificate was not yet valid at the claimed signing time.",
        )
        raise _Verdict(Indication.TOTAL_FAILED, SubIndication.NOT_YET_VALID)
    # --- XCV -----------------------------------------------------------------------------------
    work.check_cpu()
    check = pkix.check_certificate(signing_cert, pool=pool, anchors=anchors, moment=now, env=env)
    lt_ocsps, lt_crls = embedded_revinfo
    if (
        check.status in ("no_revinfo", "expired")
        and ts_times
        and (lt_ocsps or lt_crls or check.status == "expired")
    ):
        past = pkix.check_certificate(
            signing_cert,
            pool=pool,
            anchors=anchors,
            moment=best,
            env=env,
            embedded_ocsps=lt_ocsps,
            embedded_crls=lt_crls,
            fetch=check.status == "expired",
            retroactive=True,
        )
        if past.status == "ok":
            sr.warn(
                "xcv.validated_at_best_signature_time",
                f"Validated at the best-signature-time ({check.status} now).",
            )
            check = past
        elif check.status == "no_revinfo" and past.status != "no_revinfo":
            check = past
    sr.revocation = check.revocation
    sr.certificates.extend(_path_infos(check))
    if not check.path:
        sr.certificates.append(_cert_info(signing_cert, "SIGNING"))
    _judge(check, sr, signing_cert, reference, best, bool(ts_times))
    sr.qualification = qualification(
        signing_certificate=signing_cert,
        anchor_sha256=pkix.fingerprint(check.path[-1]) if check.path else None,
        services=_services(policy.trusted_list_services),
    )


def _check_modifications(embedded, sr: SignatureReport) -> None:
    """FC for PDFs: the signature covers a whole revision, and what was appended after it is
    what its DocMDP level (or, without one, the harmless kinds) allows."""
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = embedded.coverage
    if coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        raise _format(
            "pades.coverage",
            "The signature does not cover a whole revision of the PDF (its byte range is unusual).",
        )
    whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
    sr.scope.append(
        ScopeEntry(
            uri=str(embedded.field_name),
            kind="FULL_DOCUMENT" if whole else "PDF_REVISION",
            element=None,
            digest_algorithm=embedded.md_algorithm,
            transforms=[],
        )
    )
    if whole:
        return
    status = embedded.summarise_integrity_info()
    diff = embedded.diff_result
    docmdp = embedded.docmdp_level
    if not status["docmdp_ok"]:
        detail = str(getattr(diff, "exc", None) or getattr(diff, "args", [""])[0] or "")
        if isinstance(diff, DiffResult):
            detail = f"modification level {diff.modification_level.name}"
        allowed = f" (the signature allows: {docmdp.name})" if docmdp is not None else ""
        raise _format(
            "pades.modified",
            f"The PDF was changed after signing in a way the signature does not allow{allowed}: "
            f"{detail[:200]}",
        )
    level = diff.modification_level if isinstance(diff, DiffResult) else None
    if level is not None and level != ModificationLevel.NONE:
        sr.warn(
            "pades.modified_allowed",
            "The PDF was changed after signing in a way the signature allows: "
            f"{_MODIFICATIONS.get(level.name, level.name.lower())}.",
        )


def _signature_timestamps(signer_info: cms.SignerInfo) -> list[bytes]:
    unsigned = signer_info["unsigned_attrs"]
    if not unsigned:
        return []
    return [
        value.dump()
        for attr in unsigned
        if attr["type"].native == "signature_time_stamp_token"
        for value in attr["values"]
    ]


def _level(tokens: list[bytes], evidence: _Evidence, archive: list) -> str:
    if not tokens:
        return "B-B"
    if not (evidence.ocsps or evidence.crls):
        return "B-T"
    return "B-LTA" if archive else "B-LT"


def _note_timestamp(sr: SignatureReport, info: TimestampInfo) -> None:
    sr.timestamps.append(info)
    if info.indication == Indication.PASSED:
        return
    if info.sub_indication in (SubIndication.HASH_FAILURE, SubIndication.SIG_CRYPTO_FAILURE):
        sr.warn("tst.invalid", "A time-stamp failed its checks and was ignored.")
    else:
        sr.warn("tst.untrusted", "A time-stamp could not be trusted and was ignored.")
