"""The validation process (ETSI EN 319 102-1 building blocks, in this order):

FC (format) -> ISC (signing certificate) -> CV (references + SignatureValue) -> SAV (crypto and
key-usage constraints, signed properties) -> time-stamps (best-signature-time) -> XCV (path +
revocation, judged against the best-signature-time). Cheap, offline blocks run before the
network-bound ones, so junk never triggers an OCSP request.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID
from lxml import etree

from sekap.xmlsafe import ParsedDocument, ParseLimits, XmlRejected, parse_untrusted
from signatures import aia, dsig, ltv, pkix, tsp, xades
from signatures.constants import (
    C14N_10,
    C14N_METHODS,
    DS,
    SIGNED_PROPERTIES_TYPE,
    STRONG_DIGESTS,
    TRANSFORM_ENVELOPED,
    TRANSFORM_XPATH,
    XADES,
)
from signatures.dsig import SignatureFailure, format_failure
from signatures.qualification import qualification
from signatures.report import (
    CertificateInfo,
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
from signatures.work import WorkBudget, WorkBudgetExceeded

logger = logging.getLogger(__name__)

MAX_SIGNATURES = 6
MAX_CERTIFICATES = 20
MAX_TIMESTAMPS = 5
_DS = f"{{{DS}}}"
_X = f"{{{XADES}}}"


@dataclass(frozen=True)
class ValidationPolicy:
    name: str = "SEKAP-XAdES-BASELINE-1"
    trust_anchors: tuple[bytes, ...] = ()
    # Untrusted intermediates offered for path building (e.g. the SEKAP issuing CA and TSA CA).
    extra_certificates: tuple[bytes, ...] = ()
    require_full_document: bool = True
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256
    clock_skew: timedelta = timedelta(minutes=5)
    trusted_profile_sealers: frozenset[str] = frozenset()  # SHA-256 hex of platform seal certs
    # Trusted-list services among the anchors: (SHA-256 hex, service type, tokens) (see
    # signatures/qualification.py).
    trusted_list_services: tuple[tuple[str, str, frozenset[str]], ...] = ()
    validation_time: datetime | None = None
    limits: ParseLimits = field(default_factory=ParseLimits)
    max_signatures: int = MAX_SIGNATURES
    max_references: int = dsig.MAX_REFERENCES
    # Work budget per document: canonicalised bytes and CPU seconds of the validating thread.
    max_canonical_bytes: int = 64 * 1024 * 1024
    max_cpu_seconds: float = 10.0


@dataclass
class _Verdict(Exception):
    indication: str
    sub_indication: str | None


def _key_profile(cert: x509.Certificate) -> tuple[str, int, bool]:
    """(key kind, key size, KeyUsage allows signing) of a certificate (kept with it)."""
    return pkix.derived(cert, "key_profile", _new_key_profile)


def _new_key_profile(cert: x509.Certificate) -> tuple[str, int, bool]:
    key = pkix.public_key(cert)
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits = "rsa", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits = "ec", key.curve.key_size
    else:
        kind, bits = "other", 0
    try:
        ku = pkix.extension(cert, ExtensionOID.KEY_USAGE)
    except ValueError:  # extensions that do not parse
        ku = None
    ku_ok = ku is not None and bool(ku.value.content_commitment or ku.value.digital_signature)
    return kind, bits, ku_ok


@functools.lru_cache(maxsize=64)
def _anchor_certificates(anchors: tuple[bytes, ...]) -> list[x509.Certificate]:
    return [pkix.load_certificate(a) for a in anchors]


def _cert_info(cert: x509.Certificate, role: str) -> CertificateInfo:
    """The report entry of ``cert`` in ``role`` (kept with the certificate; never mutated)."""
    return pkix.derived(cert, ("info", role), lambda c: _new_cert_info(c, role))


def _new_cert_info(cert: x509.Certificate, role: str) -> CertificateInfo:
    return CertificateInfo(
        subject=pkix.subject_dn(cert),
        issuer=pkix.issuer_dn(cert),
        serial_number=format(cert.serial_number, "x"),
        sha256=pkix.fingerprint(cert),
        not_before=iso(cert.not_valid_before_utc),
        not_after=iso(cert.not_valid_after_utc),
        role=role,
    )


def validate_document(
    data: bytes,
    *,
    policy: ValidationPolicy | None = None,
    env: pkix.PkixEnvironment | None = None,
    detached_documents: dict[str, bytes] | None = None,
) -> ValidationReport:
    """Validate every XAdES signature in ``data``. Never raises for any input."""
    policy = policy or ValidationPolicy()
    env = env or pkix.PkixEnvironment()
    now = policy.validation_time or datetime.now(UTC)
    digest = hashlib.sha256(data).hexdigest() if isinstance(data, bytes | bytearray) else ""
    report = ValidationReport(
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        validation_time=iso(now),
        policy=policy.name,
        document_sha256=digest,
    )
    work = WorkBudget(
        max_bytes=policy.max_canonical_bytes,
        max_cpu_seconds=policy.max_cpu_seconds,
        _started=time.thread_time(),
    )
    try:
        doc = parse_untrusted(data, limits=policy.limits)
    except XmlRejected as exc:
        report.errors.append(Message(exc.code, exc.message))
        return report
    try:
        _validate_signatures(doc, report, policy, env, now, detached_documents, work, len(data))
    except WorkBudgetExceeded as exc:
        report.signatures = []
        report.signed_content, report.signed_data = [], []
        report.errors.append(Message(exc.code, exc.message))
        report.indication, report.sub_indication = exc.indication, exc.sub_indication
        return report
    except Exception as exc:
        logger.exception("Unexpected validator error")
        report.signatures = []
        report.errors.append(Message("validator.internal_error", f"{type(exc).__name__}"))
        report.indication, report.sub_indication = (
            Indication.INDETERMINATE,
            SubIndication.POLICY_PROCESSING_ERROR,
        )
        return report
    return report


def _validate_signatures(
    doc, report, policy, env, now, detached_documents, work: WorkBudget, size: int
) -> None:
    signatures = list(doc.root.iter(_DS + "Signature"))
    if len(signatures) > policy.max_signatures:
        report.errors.append(
            Message("dsig.limits", f"More than {policy.max_signatures} signatures.")
        )
        return
    _check_work_bound(doc, signatures, work, size)
    duplicates = doc.duplicate_ids()
    if duplicates:
        report.errors.append(
            Message("xml.duplicate_id", f"Duplicate ID values: {', '.join(duplicates[:5])[:200]}")
        )
    for sig in signatures:
        sr = SignatureReport(
            id=sig.get("Id"), indication=Indication.INDETERMINATE, sub_indication=None
        )
        try:
            if duplicates:
                raise format_failure(
                    "xml.duplicate_id", "The document has duplicate ID values (wrapping defence)."
                )
            work.check_cpu()
            content = _validate_one(sig, doc, sr, policy, env, now, detached_documents, work, size)
            sr.indication, sr.sub_indication = Indication.TOTAL_PASSED, None
            report.signed_content.extend(v.target for v in content if v.target is not None)
            report.signed_data.extend(v.octets for v in content)
        except SignatureFailure as exc:
            sr.indication, sr.sub_indication = exc.indication, exc.sub_indication
            sr.error(exc.code, exc.message)
        except _Verdict as verdict:
            sr.indication, sr.sub_indication = verdict.indication, verdict.sub_indication
        except WorkBudgetExceeded:
            raise  # ends the whole validation (validate_document reports it)
        except Exception as exc:
            logger.exception("Unexpected error validating a signature")
            sr.indication, sr.sub_indication = (
                Indication.INDETERMINATE,
                SubIndication.POLICY_PROCESSING_ERROR,
            )
            sr.error("validator.internal_error", type(exc).__name__)
        if sr.indication != Indication.TOTAL_PASSED and sr.trusted_profile is not None:
            # The identity is only asserted by a signature that passed.
            sr.trusted_profile = None
        report.signatures.append(sr)
    report.indication, report.sub_indication = overall(report.signatures)


def _scope_kind(ref: dsig.VerifiedReference | dsig.ReferenceSpec, target, sig) -> str:
    if ref.type == SIGNED_PROPERTIES_TYPE:
        return "SIGNED_PROPERTIES"
    if getattr(ref, "detached", False) or (target is None):
        return "DETACHED"
    if target is not None and target.tag == _DS + "KeyInfo":
        return "KEY_INFO"
    if target is not None and (target is sig or sig in target.iterancestors()):
        return "OBJECT"
    if ref.uri == "" or target is target.getroottree().getroot():
        return "FULL_DOCUMENT"
    return "ELEMENT"


def _validate_one(
    sig: etree._Element,
    doc: ParsedDocument,
    sr: SignatureReport,
    policy: ValidationPolicy,
    env: pkix.PkixEnvironment,
    now: datetime,
    detached_documents: dict[str, bytes] | None,
    work: WorkBudget,
    size: int,
) -> list[dsig.VerifiedReference]:
    # --- FC ------------------------------------------------------------------------------------
    parts = dsig.parse_signature(sig, max_references=policy.max_references)
    sr.signature_method = parts.signature_method
    sr.signature_format = "XAdES"
    q = xades.locate(parts)
    sr.signature_level = f"XAdES-BASELINE-{q.level}"
    sp_refs = [r for r in parts.references if r.type == SIGNED_PROPERTIES_TYPE]
    if len(sp_refs) != 1:
        raise format_failure(
            "xades.signed_properties_unsigned",
            "SignedProperties must be referenced exactly once with Type http://uri.etsi.org/01903#SignedProperties.",
        )
    if sp_refs[0].uri != "#" + q.signed_properties_id:
        raise format_failure(
            "xades.signed_properties_unsigned",
            "The SignedProperties reference does not point at this signature's SignedProperties.",
        )
    for ref in parts.references:
        if ref.type != SIGNED_PROPERTIES_TYPE and ref.uri == "#" + q.signed_properties_id:
            raise format_failure(
                "xades.signed_properties_type",
                "SignedProperties referenced without the XAdES type.",
            )
    content_refs = [r for r in parts.references if r.type != SIGNED_PROPERTIES_TYPE]
    if not content_refs:
        raise format_failure("dsig.scope", "The signature covers no data object.")
    _check_scope(parts, doc, content_refs, policy)
    # --- ISC -----------------------------------------------------------------------------------
    key_info_ders = xades.key_info_certificates(parts)
    lt_certs, lt_ocsps, lt_crls = xades.unsigned_values(q.unsigned_signature_properties)
    if len(key_info_ders) + len(lt_certs) > MAX_CERTIFICATES or len(lt_ocsps) + len(lt_crls) > 50:
        raise format_failure("dsig.limits", "Too many embedded certificates or revocation values.")
    candidates = []
    for der_bytes in key_info_ders + lt_certs:
        try:
            candidates.append(pkix.load_certificate(der_bytes))
        except ValueError:
            sr.warn(
                "dsig.bad_certificate",
                "An embedded certificate could not be parsed and was ignored.",
            )
    refs = q.cert_refs_v2 or q.cert_refs_v1
    if not refs:
        raise SignatureFailure(
            Indication.INDETERMINATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "xades.no_signing_certificate",
            "Neither SigningCertificateV2 nor SigningCertificate is in the signed properties.",
        )
    first = refs[0]
    signing_cert = None
    for cand in candidates:
        if pkix.cert_digest(cand, first.digest_name) == first.digest_value:
            signing_cert = cand
            break
    if signing_cert is None:
        raise SignatureFailure(
            Indication.INDETERMINATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "xades.signing_certificate_not_found",
            "No certificate in the signature matches the SigningCertificate digest.",
        )
    for other in q.cert_refs_v1[:1] if q.cert_refs_v2 and q.cert_refs_v1 else []:
        if dsig.digest(other.digest_name, pkix.der(signing_cert)) != other.digest_value:
            raise SignatureFailure(
                Indication.INDETERMINATE,
                SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                "xades.signing_certificate_conflict",
                "SigningCertificate and SigningCertificateV2 name different certificates.",
            )
    if key_info_ders and key_info_ders[0] != pkix.der(signing_cert):
        sr.warn(
            "dsig.keyinfo_mismatch",
            "The KeyInfo certificate is not the signing certificate; it was ignored.",
        )
    sr.signed_by = xades.signer_info(signing_cert)  # cached; never mutated
    # --- CV ------------------------------------------------------------------------------------
    verified = dsig.verify_references(
        parts, doc, detached_documents=detached_documents, work=work, document_size=size
    )
    work.check_cpu()
    octets = dsig.signed_info_octets(parts)
    dsig.verify_signature_value(parts, pkix.public_key(signing_cert), octets)
    sp_verified = [
        v for v in verified if v.type == SIGNED_PROPERTIES_TYPE and v.target is q.signed_properties
    ]
    if len(sp_verified) != 1:
        raise format_failure(
            "xades.signed_properties_unsigned", "SignedProperties were not verified."
        )
    for v in verified:
        sr.scope.append(
            ScopeEntry(
                uri=v.uri,
                kind=_scope_kind(v, v.target, sig),
                element=(etree.QName(v.target).text if v.target is not None else None),
                digest_algorithm=v.digest_name,
                transforms=list(v.transforms),
            )
        )
    comments = doc.special()["comments"]
    for v in verified:
        if (
            comments
            and v.target is not None
            and v.type != SIGNED_PROPERTIES_TYPE
            and any(True for _ in v.target.iter(etree.Comment, etree.ProcessingInstruction))
        ):
            sr.warn(
                "dsig.unsigned_comments",
                "The signed content holds comments or processing instructions that are "
                "not signed; read the signed data only.",
            )
            break
    covered_objects = {id(v.target) for v in verified if v.target is not None}
    for obj in parts.objects:
        if id(obj) in covered_objects or any(id(c) in covered_objects for c in obj.iter()):
            continue
        if obj.find(_X + "QualifyingProperties") is None:
            sr.warn("dsig.unsigned_object", "The signature holds an unsigned ds:Object; ignored.")
    for ref in q.cert_refs_v2[:1] + q.cert_refs_v1[:1]:
        if not xades.issuer_serial_matches(ref, signing_cert):
            sr.warn(
                "xades.issuer_serial",
                "The IssuerSerial in SigningCertificate does not match the certificate.",
            )
    # --- SAV: signed properties ---------------------------------------------------------------
    claimed = xades.signing_time(q.signed_properties)
    if claimed is None:
        raise format_failure(
            "xades.signing_time_missing", "SigningTime is required by the baseline profile."
        )
    sr.claimed_signing_time = iso(claimed)
    if claimed > now + policy.clock_skew:
        sr.warn("xades.signing_time_future", "The claimed signing time is in the future.")
    identity, count = (
        xades.trusted_profile(q.signed_properties) if doc.special()["podpis_zp"] else (None, 0)
    )
    if count > 1:
        raise format_failure(
            "trusted_profile.ambiguous",
            "More than one PodpisZP structure in the signed properties.",
        )
    if identity is not None:
        fp = pkix.fingerprint(signing_cert)
        if fp in policy.trusted_profile_sealers:
            sr.trusted_profile = identity
        else:
            sr.warn(
                "trusted_profile.not_platform_seal",
                "Signer data of a SEKAP personal signature is signed by a certificate that is "
                "not a platform seal; ignored.",
            )
    sp_el = q.signed_properties
    injected = [el for el in doc.special()["podpis_zp"] if sp_el not in el.iterancestors()]
    if injected:
        sr.warn(
            "trusted_profile.unsigned_copy",
            "Unsigned signer data of a SEKAP personal signature found outside the signed "
            "properties; ignored.",
        )
    stray = [
        el
        for el in doc.special()["signed_properties"]
        if el is not sp_el and sig not in el.iterancestors()
    ]
    if stray:
        sr.warn(
            "xades.unsigned_properties_copy",
            "SignedProperties found outside this signature; ignored.",
        )
    # --- SAV: cryptographic constraints -----------------------------------------------------
    key_kind, key_bits, ku_ok = _key_profile(signing_cert)
    weak = []
    if parts.hash_name not in STRONG_DIGESTS:
        weak.append(f"signature digest {parts.hash_name}")
    weak += [
        f"reference digest {r.digest_name}"
        for r in parts.references
        if r.digest_name not in STRONG_DIGESTS
    ]
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
    if claimed < signing_cert.not_valid_before_utc - policy.clock_skew:
        sr.error(
            "xcv.not_yet_valid",
            "The signing certificate was not yet valid at the claimed signing time.",
        )
        raise _Verdict(Indication.TOTAL_FAILED, SubIndication.NOT_YET_VALID)
    # --- time-stamps --------------------------------------------------------------------------
    anchors = _anchor_certificates(policy.trust_anchors)
    pool = candidates + [pkix.load_certificate(c) for c in policy.extra_certificates]
    best = now
    ts_times: list[datetime] = []
    embedded = (lt_ocsps, lt_crls)
    usp = q.unsigned_signature_properties
    archive = None
    if usp is not None:
        archive = ltv.archive_timestamps(
            parts=parts,
            verified=verified,
            unsigned_signature_properties=usp,
            anchors=anchors,
            pool=pool,
            env=env,
            now=now,
            ocsps=lt_ocsps,
            crls=lt_crls,
            work=work,
        )
    poe = None
    if archive is not None:
        pool = pool + archive.certificates
        embedded = (archive.ocsps, archive.crls)
        poe = archive.proof.poe
        if poe is None:
            sr.warn("tst.archive", "The archive time-stamps give no proof of existence.")
    if usp is not None:
        ts_elements = usp.findall(_X + "SignatureTimeStamp")
        if len(ts_elements) > MAX_TIMESTAMPS:
            raise format_failure("dsig.limits", "Too many signature time-stamps.")
        for ts_el in ts_elements:
            info = _check_timestamp(ts_el, parts, anchors, pool, env, now, sr, embedded, poe)
            sr.timestamps.append(info)
            if info.indication == Indication.PASSED and info.generation_time:
                ts_times.append(datetime.fromisoformat(info.generation_time.replace("Z", "+00:00")))
    if archive is not None:
        sr.timestamps.extend(archive.proof.timestamps)
        sr.certificates.extend(_cert_info(c, "TIMESTAMP") for c in archive.proof.tsa_certificates)
        if poe is not None and not ts_times:
            ts_times.append(poe)  # the archive time-stamp proves the signature value existed
    if ts_times:
        best = min(ts_times)
        if claimed > best + policy.clock_skew:
            sr.warn(
                "xades.signing_time_after_timestamp",
                "The claimed signing time is after the signature time-stamp.",
            )
    sr.best_signature_time = iso(best)
    # --- XCV -----------------------------------------------------------------------------------
    work.check_cpu()
    check = pkix.check_certificate(signing_cert, pool=pool, anchors=anchors, moment=now, env=env)
    if check.status == "no_chain" and env.aia_fetcher is not None:
        fetched = aia.complete_chain(
            signing_cert, pool=pool, anchors=anchors, env=env, fetcher=env.aia_fetcher
        )
        if fetched:
            pool = pool + fetched
            check = pkix.check_certificate(
                signing_cert, pool=pool, anchors=anchors, moment=now, env=env
            )
    if (
        check.status in ("no_revinfo", "expired")
        and ts_times
        and (embedded[0] or embedded[1] or check.status == "expired")
    ):
        past = pkix.check_certificate(
            signing_cert,
            pool=pool,
            anchors=anchors,
            moment=best,
            env=env,
            embedded_ocsps=embedded[0],
            embedded_crls=embedded[1],
            fetch=check.status == "expired",
            retroactive=True,
        )
        if past.status == "ok":
            sr.warn(
                "xcv.validated_at_best_signature_time",
                f"Validated at the best-signature-time ({check.status} now).",
            )
            check = past
        elif check.status == "no_revinfo":
            check = past if past.status not in ("no_revinfo",) else check
    sr.revocation = check.revocation
    sr.certificates.extend(_path_infos(check))
    if not check.path:
        sr.certificates.append(_cert_info(signing_cert, "SIGNING"))
    _judge(check, sr, signing_cert, claimed, best, bool(ts_times))
    sr.qualification = qualification(
        signing_certificate=signing_cert,
        anchor_sha256=pkix.fingerprint(check.path[-1]) if check.path else None,
        services=_services(policy.trusted_list_services),
    )
    return [v for v in verified if v.type != SIGNED_PROPERTIES_TYPE]


@functools.lru_cache(maxsize=16)
def _services(entries: tuple) -> dict[str, tuple[str, frozenset[str]]]:
    return {sha: (service_type, tokens) for sha, service_type, tokens in entries}


def _check_work_bound(
    doc: ParsedDocument, signatures: list[etree._Element], work: WorkBudget, size: int
) -> None:
    """Refuse, before any canonicalisation, a document whose whole-document references alone
    would pass the work budget: distinct whole-document canonicalisations x document size.

    Counts what :class:`~signatures.work.WorkBudget` would memoise: the same C14N method and
    transforms share one run, except that an enveloped transform excludes its own signature.
    Runs on the raw elements (no format checks yet), so it may over-count a malformed signature,
    which is refused anyway.
    """
    root_ids = {value for value, els in doc.ids.items() if els == [doc.root]}
    keys: set[tuple] = set()
    for sig in signatures:
        signed_info = sig.find(_DS + "SignedInfo")
        if signed_info is None:
            continue
        for ref in signed_info.iterchildren(_DS + "Reference"):
            uri = ref.get("URI")
            if uri != "" and dsig.same_document_id(uri or "") not in root_ids:
                continue
            algorithms = tuple(
                t.get("Algorithm") or "" for t in ref.iterfind(f"{_DS}Transforms/{_DS}Transform")
            )
            prefixes = tuple(
                el.get("PrefixList") or ""
                for el in ref.iter("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
            )
            enveloped_only = TRANSFORM_ENVELOPED in algorithms and TRANSFORM_XPATH not in algorithms
            keys.add((uri == "", algorithms, prefixes, id(sig) if enveloped_only else None))
    work.reserve(len(keys) * size)


def _path_infos(check: pkix.CertCheck) -> list[CertificateInfo]:
    if check.infos is None:
        last = len(check.path) - 1
        check.infos = [
            _cert_info(cert, "SIGNING" if i == 0 else ("TRUST_ANCHOR" if i == last else "CA"))
            for i, cert in enumerate(check.path)
        ]
    return check.infos


def _judge(
    check: pkix.CertCheck,
    sr: SignatureReport,
    cert,
    claimed: datetime,
    best: datetime,
    has_ts: bool,
) -> None:
    status = check.status
    if status == "ok":
        return
    message = check.message[:500]
    if status in ("revoked", "ca_revoked"):
        revoked_at = check.revocation_time
        if has_ts and revoked_at is not None and best < revoked_at:
            sr.warn(
                "xcv.revoked_after_best_signature_time",
                f"Certificate revoked at {iso(revoked_at)}, after the time-stamp.",
            )
            return
        sr.error("xcv.revoked", message)
        if status == "ca_revoked":
            raise _Verdict(Indication.INDETERMINATE, SubIndication.REVOKED_CA_NO_POE)
        if revoked_at is not None and claimed >= revoked_at:
            raise _Verdict(Indication.TOTAL_FAILED, SubIndication.REVOKED)
        raise _Verdict(Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)
    if status == "expired":
        sr.error("xcv.expired", message)
        if claimed > cert.not_valid_after_utc:
            raise _Verdict(Indication.TOTAL_FAILED, SubIndication.EXPIRED)
        raise _Verdict(Indication.INDETERMINATE, SubIndication.OUT_OF_BOUNDS_NO_POE)
    if status == "not_yet_valid":
        sr.error("xcv.not_yet_valid", message)
        raise _Verdict(Indication.TOTAL_FAILED, SubIndication.NOT_YET_VALID)
    if status == "no_revinfo":
        sr.error("xcv.no_revocation_info", message)
        raise _Verdict(Indication.INDETERMINATE, SubIndication.TRY_LATER)
    if status == "no_chain":
        sr.error("xcv.no_chain", message)
        raise _Verdict(Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
    if status == "crypto":
        sr.error("xcv.crypto_constraints", message)
        raise _Verdict(Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)
    sr.error("xcv.chain_failure", message)
    raise _Verdict(Indication.INDETERMINATE, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE)


def _check_scope(
    parts: dsig.SignatureParts, doc: ParsedDocument, content_refs, policy: ValidationPolicy
) -> None:
    """Wrapping defence: the signature must sit where its packaging says and cover the document."""
    sig = parts.element
    enveloping = sig is doc.root
    covered = False
    for ref in content_refs:
        ref_id = dsig.same_document_id(ref.uri)
        if ref.uri == "":
            covered = True
            continue
        if ref_id is None:
            covered = covered or not ref.uri.startswith(
                "#"
            )  # detached content supplied by the caller
            continue
        matches = doc.element_by_id(ref_id)
        if len(matches) != 1:
            continue  # reported precisely when the reference is processed
        target = matches[0]
        if target is doc.root or (
            enveloping and target.getparent() is sig and target.tag == _DS + "Object"
        ):
            covered = True
        elif (
            sig in target.iterancestors()
            and target.tag not in (_DS + "Object", _DS + "KeyInfo")
            and not any(a.tag == _DS + "Object" for a in target.iterancestors())
        ):
            raise format_failure(
                "dsig.scope",
                "A reference points inside the signature but not at KeyInfo or an Object.",
            )
    if not enveloping and policy.require_full_document and sig.getparent() is not doc.root:
        raise format_failure(
            "dsig.location", "An enveloped signature must be a child of the document element."
        )
    if policy.require_full_document and not covered:
        raise format_failure("dsig.scope", "The signature does not cover the whole document.")


def _check_timestamp(
    ts_el, parts, anchors, pool, env, now, sr, embedded, poe: datetime | None = None
) -> TimestampInfo:
    """A signature time-stamp, its TSA validated now; failing that, with ``poe`` (the time an
    archive time-stamp proves the token existed), at that time with the embedded material."""
    info = TimestampInfo(
        type="SIGNATURE_TIMESTAMP",
        indication=Indication.FAILED,
        sub_indication=None,
        generation_time=None,
        tsa=None,
        serial_number=None,
    )
    try:
        method_el = ts_el.find(_DS + "CanonicalizationMethod")
        method = method_el.get("Algorithm") if method_el is not None else C14N_10
        if method not in C14N_METHODS:
            raise format_failure("tst.c14n", "Time-stamp canonicalization not allowed.")
        enc = ts_el.findall(_X + "EncapsulatedTimeStamp")
        if len(enc) != 1:
            raise format_failure("tst.structure", "Exactly one EncapsulatedTimeStamp is required.")
        token = dsig.b64decode_strict(enc[0].text, "EncapsulatedTimeStamp")
        octets = dsig.canonicalize(parts.signature_value_element, method)
    except SignatureFailure as exc:
        info.errors.append(Message(exc.code, exc.message))
        info.sub_indication = SubIndication.FORMAT_FAILURE
        sr.warn("tst.invalid", "A signature time-stamp is malformed and was ignored.")
        return info
    info, tsa_certificate = check_timestamp(
        token,
        octets,
        kind="SIGNATURE_TIMESTAMP",
        anchors=anchors,
        pool=pool,
        env=env,
        now=now,
        embedded=embedded,
        poe=poe,
    )
    if tsa_certificate is not None:
        sr.certificates.append(_cert_info(tsa_certificate, "TIMESTAMP"))
    elif info.sub_indication in (SubIndication.HASH_FAILURE, SubIndication.SIG_CRYPTO_FAILURE):
        sr.warn("tst.invalid", f"A signature time-stamp failed: {info.errors[-1].message}")
    else:
        sr.warn("tst.untrusted", "A signature time-stamp could not be trusted and was ignored.")
    return info


def check_timestamp(
    token: bytes,
    imprinted: bytes,
    *,
    kind: str,
    anchors: list[x509.Certificate],
    pool: list[x509.Certificate],
    env: pkix.PkixEnvironment,
    now: datetime,
    embedded: tuple[list[bytes], list[bytes]],
    poe: datetime | None = None,
) -> tuple[TimestampInfo, x509.Certificate | None]:
    """An RFC 3161 token over ``imprinted``: its integrity, then its TSA's path: now; else,
    lacking revocation data, at its own time with the document's revocation values; else at
    ``poe`` (when a document time-stamp proves the token existed) with those values. A TSA
    certificate expired now counts only with such a proof of existence. Format-neutral (XAdES,
    PAdES): returns the report entry and, when it passed, the TSA's certificate."""
    info = TimestampInfo(
        type=kind,
        indication=Indication.FAILED,
        sub_indication=None,
        generation_time=None,
        tsa=None,
        serial_number=None,
    )
    check = tsp.verify_token(token, imprinted)
    if not check.ok:
        info.errors.append(Message("tst.invalid", check.message))
        info.sub_indication = (
            SubIndication.HASH_FAILURE
            if "imprint" in check.message
            else SubIndication.SIG_CRYPTO_FAILURE
        )
        return info, None
    info.generation_time = iso(check.gen_time)
    info.serial_number = format(check.serial_number or 0, "x")
    info.tsa = pkix.dn(check.tsa_certificate.subject)
    candidates = check.certificates + list(pool)
    tsa_check = pkix.check_certificate(
        check.tsa_certificate, pool=candidates, anchors=anchors, moment=now, env=env
    )
    if tsa_check.status == "no_revinfo" and (embedded[0] or embedded[1]):
        tsa_check = pkix.check_certificate(
            check.tsa_certificate,
            pool=candidates,
            anchors=anchors,
            moment=check.gen_time,
            env=env,
            embedded_ocsps=embedded[0],
            embedded_crls=embedded[1],
            fetch=False,
            retroactive=True,
        )
    if tsa_check.status != "ok" and poe is not None and check.gen_time <= poe:
        tsa_check = pkix.check_certificate(
            check.tsa_certificate,
            pool=candidates,
            anchors=anchors,
            moment=poe,
            env=env,
            embedded_ocsps=embedded[0],
            embedded_crls=embedded[1],
            fetch=False,
            retroactive=True,
        )
    if tsa_check.status != "ok":
        info.indication = Indication.INDETERMINATE
        info.sub_indication = {
            "no_chain": SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            "no_revinfo": SubIndication.TRY_LATER,
            "revoked": SubIndication.REVOKED_NO_POE,
        }.get(tsa_check.status, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE)
        info.errors.append(Message("tst.tsa_certificate", tsa_check.message[:300]))
        return info, None
    info.indication = Indication.PASSED
    return info, check.tsa_certificate
