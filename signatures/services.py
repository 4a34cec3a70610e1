"""Public API of the signatures app.

    validate(data, *, detached_documents=None, policy=None) -> ValidationReport
        (XAdES in XML, PAdES, ASiC-E, or a detached XAdES with its files)
    sign_enveloped(xml_bytes, *, key, cert_chain, level="B-B", trusted_profile=None) -> bytes

plus trust-store and batch services. Nothing here imports another SEKAP app: the SEKAP CA's
anchors arrive through ``SIGNATURES_TRUST_ANCHORS_PROVIDER`` (a dotted path to a callable that
returns DER certificates), and its OCSP answers, CRLs and CA certificates through
``SIGNATURES_LOCAL_PKI_PROVIDER`` (see :func:`default_fetcher`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from sekap import audit
from sekap.errors import DomainError
from sekap.xmlsafe import ParseLimits
from signatures import aia, pkix
from signatures import signer as _signer
from signatures.detached import (
    file_key,
    is_asic,
    reference_uris,
    validate_asic,
    validate_detached,
)
from signatures.models import BatchItem, TrustedCertificate, ValidationBatch
from signatures.pades import is_pdf, validate_pdf
from signatures.report import Indication, ValidationReport
from signatures.signer import SigningKey, TrustedProfile
from signatures.tsp import TimestampError
from signatures.validator import ValidationPolicy, validate_document

__all__ = [
    "SigningKey",
    "SigningUnavailable",
    "TrustedProfile",
    "ValidationReport",
    "batch_create",
    "batch_run",
    "detached_files",
    "is_asic",
    "is_pdf",
    "max_document_bytes",
    "sign_enveloped",
    "timestamp_source",
    "trust_anchors",
    "trusted_certificate_add",
    "trusted_profile_sign",
    "validate",
    "validation_policy",
]

logger = logging.getLogger(__name__)
_env_lock = threading.Lock()
_env: pkix.PkixEnvironment | None = None


def max_document_bytes() -> int:
    return int(getattr(settings, "SIGNATURES_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))


def environment() -> pkix.PkixEnvironment:
    """The process-wide fetcher and caches (shared by API calls and batch items)."""
    global _env
    with _env_lock:
        if _env is None:
            freshness = getattr(settings, "SIGNATURES_REVOCATION_FRESHNESS_SECONDS", None)
            _env = pkix.PkixEnvironment(
                fetcher=default_fetcher(),
                settings=pkix.PkixSettings(
                    freshness=timedelta(seconds=freshness) if freshness else None,
                    verdict_ttl=timedelta(
                        seconds=int(getattr(settings, "SIGNATURES_VERDICT_TTL_SECONDS", 300))
                    ),
                    crl_refresh=timedelta(
                        seconds=int(getattr(settings, "SIGNATURES_CRL_REFRESH_SECONDS", 60))
                    ),
                ),
                aia_fetcher=aia.GuardedFetcher(
                    max_seconds=float(getattr(settings, "SIGNATURES_FETCH_TIMEOUT", 5.0)),
                    allowed_networks=tuple(
                        getattr(settings, "SIGNATURES_AIA_ALLOWED_NETWORKS", ())
                    ),
                )
                if getattr(settings, "SIGNATURES_AIA_FETCHING", True)
                else None,
            )
        return _env


def default_fetcher() -> pkix.Fetcher:
    """HTTP, except for the platform's own PKI addresses: the callable named by
    ``SIGNATURES_LOCAL_PKI_PROVIDER`` ((method, url, body, content type) -> the bytes the
    platform's endpoint would serve, or None for an address that is not the platform's)
    answers those in-process, so the platform never calls itself over HTTP."""
    http = pkix.UrllibFetcher(timeout=float(getattr(settings, "SIGNATURES_FETCH_TIMEOUT", 5.0)))
    provider = getattr(settings, "SIGNATURES_LOCAL_PKI_PROVIDER", "")
    return pkix.LocalFirstFetcher(import_string(provider), http) if provider else http


def reset_environment() -> None:
    global _env
    with _env_lock:
        _env = None
    forget_validation_policy()


def trust_anchors() -> tuple[bytes, ...]:
    """Anchors from the provider setting (the SEKAP CA) plus the active DB trust store."""
    anchors: list[bytes] = []
    provider = getattr(settings, "SIGNATURES_TRUST_ANCHORS_PROVIDER", "")
    if provider:
        try:
            anchors.extend(bytes(d) for d in import_string(provider)())
        except Exception:  # a broken provider must fail closed (no anchors), not crash
            logger.exception("SIGNATURES_TRUST_ANCHORS_PROVIDER failed")
    anchors.extend(
        bytes(d)
        for d in TrustedCertificate.objects.filter(active=True).values_list(
            "certificate_der", flat=True
        )
    )
    seen: dict[str, bytes] = {}
    for der in anchors:
        seen.setdefault(hashlib.sha256(der).hexdigest(), der)
    return tuple(seen.values())


def own_anchor_fingerprints() -> frozenset[str]:
    """SHA-256 (hex) of the anchors from ``SIGNATURES_TRUST_ANCHORS_PROVIDER`` (the platform's
    own CA), to tell SEKAP certificates from others in reports for people."""
    provider = getattr(settings, "SIGNATURES_TRUST_ANCHORS_PROVIDER", "")
    if not provider:
        return frozenset()
    try:
        return frozenset(hashlib.sha256(bytes(d)).hexdigest() for d in import_string(provider)())
    except Exception:
        logger.exception("SIGNATURES_TRUST_ANCHORS_PROVIDER failed")
        return frozenset()


def extra_certificates() -> tuple[bytes, ...]:
    """Intermediate CA certificates for path building (not trusted by themselves)."""
    provider = getattr(settings, "SIGNATURES_EXTRA_CERTIFICATES_PROVIDER", "")
    return tuple(bytes(d) for d in import_string(provider)()) if provider else ()


def trusted_profile_seals() -> frozenset[str]:
    """SHA-256 fingerprints of the seals that may sign on behalf of users (trusted profile):
    the static ``SIGNATURES_TRUSTED_PROFILE_SEALS`` plus what the provider setting returns
    (the platform seal is issued at run time, so a static list cannot know it)."""
    fingerprints = list(getattr(settings, "SIGNATURES_TRUSTED_PROFILE_SEALS", []))
    provider = getattr(settings, "SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER", "")
    if provider:
        try:
            fingerprints.extend(import_string(provider)())
        except Exception:  # fail closed: no trusted-profile identity is reported
            logger.exception("SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER failed")
    return frozenset(s.lower().replace(":", "") for s in fingerprints)


_policy_lock = threading.Lock()
_policy: tuple[float, ValidationPolicy] | None = None


def forget_validation_policy(**_signal: object) -> None:
    """Drop the cached policy: the trust store, a SIGNATURES_* setting or a provider's
    answer changed (also a receiver of ``setting_changed`` and trust-store saves)."""
    global _policy
    with _policy_lock:
        _policy = None


def validation_policy(**overrides: object) -> ValidationPolicy:
    """The policy of this process: trust anchors (provider + trust store), intermediates,
    trusted-profile seals and limits. Reading them costs a query and the providers' work, so
    the result is kept for ``SIGNATURES_POLICY_TTL_SECONDS`` (default 30; a change made in this
    process is seen at once, one made by another process within the TTL)."""
    global _policy
    with _policy_lock:
        cached = _policy
    if cached is not None and cached[0] > time.monotonic():
        policy = cached[1]
    else:
        policy = _build_policy()
        ttl = float(getattr(settings, "SIGNATURES_POLICY_TTL_SECONDS", 30))
        if ttl > 0:
            with _policy_lock:
                _policy = (time.monotonic() + ttl, policy)
    return dataclasses.replace(policy, **overrides) if overrides else policy


def trusted_list_services() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """The active anchors imported from trusted lists: (SHA-256, service type, qualifier and
    additional-information tokens), for the qualified status of signatures."""
    rows = TrustedCertificate.objects.filter(
        active=True, source=TrustedCertificate.Source.TRUSTED_LIST
    ).values_list("sha256", "service_type", "tl_qualifiers", "tl_additional")
    return tuple(
        (sha, service_type, frozenset(f"{qualifiers} {additional}".split()))
        for sha, service_type, qualifiers, additional in rows
    )


def _build_policy() -> ValidationPolicy:
    return ValidationPolicy(
        trust_anchors=trust_anchors(),
        extra_certificates=extra_certificates(),
        trusted_profile_sealers=trusted_profile_seals(),
        trusted_list_services=trusted_list_services(),
        limits=ParseLimits(max_bytes=max_document_bytes()),
        max_signatures=int(getattr(settings, "SIGNATURES_MAX_SIGNATURES", 6)),
        max_references=int(getattr(settings, "SIGNATURES_MAX_REFERENCES", 12)),
        max_canonical_bytes=int(
            getattr(settings, "SIGNATURES_MAX_CANONICAL_BYTES", 64 * 1024 * 1024)
        ),
        max_cpu_seconds=float(getattr(settings, "SIGNATURES_MAX_CPU_SECONDS", 10.0)),
    )


def validate(
    xml_bytes: bytes,
    *,
    detached_documents: dict[str, bytes] | None = None,
    policy: ValidationPolicy | None = None,
    env: pkix.PkixEnvironment | None = None,
) -> ValidationReport:
    """Validate all signatures in a document: XAdES in XML, PAdES in a PDF, XAdES over the
    files of an ASiC-E container, or a detached XAdES over ``detached_documents`` (file name ->
    bytes, matched to the references by name). Never raises for any input."""
    policy, env = policy or validation_policy(), env or environment()
    if is_pdf(xml_bytes):
        return validate_pdf(xml_bytes, policy=policy, env=env)
    if is_asic(xml_bytes):
        return validate_asic(xml_bytes, policy=policy, env=env)
    if detached_documents:
        return validate_detached(xml_bytes, files=detached_documents, policy=policy, env=env)
    return validate_document(xml_bytes, policy=policy, env=env)


class SigningUnavailable(DomainError):
    code = "signatures.signing_unavailable"
    message = _(
        "The document could not be signed now: the time-stamping service did not answer. "
        "Nothing was signed or lost; try again in a few minutes."
    )
    status = 503


class _InProcessTsa:
    """A fetcher that hands RFC 3161 requests to a callable (the platform's own TSA)."""

    def __init__(self, respond: Callable[[bytes], bytes]) -> None:
        self.respond = respond

    def get(self, url: str) -> bytes:
        raise pkix.FetchError("The in-process TSA answers only time-stamp requests.")

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return self.respond(body)


IN_PROCESS_TSA = "in-process:SIGNATURES_TSA_PROVIDER"


def timestamp_source() -> tuple[str, pkix.Fetcher] | None:
    """Where B-T time-stamps come from: an external TSA at ``SIGNATURES_TSA_URL`` (over HTTP),
    else the callable named by ``SIGNATURES_TSA_PROVIDER`` (DER TimeStampReq in, DER
    TimeStampResp out; the platform's own TSA, called in-process), else none."""
    url = getattr(settings, "SIGNATURES_TSA_URL", "")
    if url:
        return url, environment().fetcher
    provider = getattr(settings, "SIGNATURES_TSA_PROVIDER", "")
    if provider:
        return IN_PROCESS_TSA, _InProcessTsa(import_string(provider))
    return None


def sign_enveloped(
    xml_bytes: bytes,
    *,
    key: SigningKey,
    cert_chain: list[x509.Certificate],
    level: str = "B-B",
    trusted_profile: TrustedProfile | None = None,
    tsa_url: str | None = None,
    fetcher: pkix.Fetcher | None = None,
    parallel: bool = False,
) -> bytes:
    """Sign with an enveloped XAdES B-B or B-T signature. B-T asks ``tsa_url`` (with
    ``fetcher``) or else :func:`timestamp_source`; a TSA that fails raises
    :class:`SigningUnavailable`."""
    if level == "B-T" and not tsa_url:
        source = timestamp_source()
        if source is None:
            raise SigningUnavailable()
        tsa_url, fetcher = source[0], fetcher or source[1]
    try:
        return _signer.sign_enveloped(
            xml_bytes,
            key=key,
            cert_chain=cert_chain,
            level=level,
            trusted_profile=trusted_profile,
            tsa_url=tsa_url,
            fetcher=fetcher or environment().fetcher,
            parallel=parallel,
        )
    except TimestampError as exc:
        logger.warning("Time-stamping for a signature failed: %s", exc)
        raise SigningUnavailable() from exc


class TrustedProfileRefused(DomainError):
    code = "signatures.trusted_profile_refused"
    message = _(
        "Only a user with a verified identity and a PESEL can sign with the SEKAP personal "
        "signature."
    )
    status = 403


def trusted_profile_sign(
    *,
    xml_bytes: bytes,
    user: object,
    key: SigningKey,
    cert_chain: list[x509.Certificate],
    level: str = "B-T",
    fetcher: pkix.Fetcher | None = None,
) -> bytes:
    """The platform seal signs ``xml_bytes`` on behalf of a logged-in, identity-verified user.

    The user's name, PESEL and account id go into the signed properties (PodpisZP structure), so
    a validator can report them only from what the seal actually signed.
    """
    pesel = getattr(user, "pesel", "") or ""
    if not getattr(user, "is_identity_verified", False) or len(pesel) != 11:
        raise TrustedProfileRefused()
    profile = TrustedProfile(
        given_name=user.first_name,
        surname=user.last_name,
        pesel=pesel,
        account_id=str(user.pk),
    )
    signed = sign_enveloped(
        xml_bytes,
        key=key,
        cert_chain=cert_chain,
        level=level,
        trusted_profile=profile,
        fetcher=fetcher,
    )
    audit.record(
        actor=user,
        action="signatures.trusted_profile_signed",
        target=None,
        before=None,
        after={
            "document_sha256": hashlib.sha256(xml_bytes).hexdigest(),
            "signed_sha256": hashlib.sha256(signed).hexdigest(),
            "seal": pkix.fingerprint(cert_chain[0]),
            "level": level,
        },
    )
    return signed


# --- trust store ------------------------------------------------------------------------------


@transaction.atomic
def trusted_certificate_add(
    *,
    certificate: bytes,
    label: str,
    actor: object | None,
    source: str = TrustedCertificate.Source.MANUAL,
    service_type: str = "",
) -> TrustedCertificate:
    """Add (or re-activate) a trust anchor from DER or PEM bytes."""
    if b"-----BEGIN" in certificate:
        cert = x509.load_pem_x509_certificate(certificate)
    else:
        cert = x509.load_der_x509_certificate(certificate)
    der = pkix.der(cert)
    fp = pkix.fingerprint(cert)
    row, created = TrustedCertificate.objects.select_for_update().get_or_create(
        sha256=fp,
        defaults={
            "label": label[:200],
            "certificate_der": der,
            "subject": pkix.dn(cert.subject)[:500],
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
            "source": source,
            "service_type": service_type[:200],
        },
    )
    if not created and not row.active:
        row.active = True
        row.save(update_fields=["active"])
    audit.record(
        actor=actor,
        action="signatures.trusted_certificate_added",
        target=row,
        before=None,
        after={"sha256": fp, "label": row.label, "source": source, "created": created},
    )
    environment().verdict_cache.clear()
    forget_validation_policy()
    return row


@transaction.atomic
def trusted_certificate_update(
    *, certificate: TrustedCertificate, label: str, active: bool, actor: object | None
) -> TrustedCertificate:
    """Rename or (de)activate a trust anchor."""
    row = TrustedCertificate.objects.select_for_update().get(pk=certificate.pk)
    before = {"label": row.label, "active": row.active}
    row.label = label[:200]
    row.active = active
    row.save(update_fields=["label", "active"])
    audit.record(
        actor=actor,
        action="signatures.trusted_certificate_updated",
        target=row,
        before=before,
        after={"label": row.label, "active": row.active},
    )
    environment().verdict_cache.clear()
    forget_validation_policy()
    return row


def trusted_certificate_deactivate(
    *, certificate: TrustedCertificate, actor: object | None
) -> TrustedCertificate:
    return trusted_certificate_update(
        certificate=certificate, label=certificate.label, active=False, actor=actor
    )


# --- batch validation -------------------------------------------------------------------------


@transaction.atomic
def batch_create(
    *,
    label: str,
    documents: list[tuple[str, bytes]],
    actor: object | None,
    start: bool = True,
) -> ValidationBatch:
    """Store documents for batch validation; the Celery task starts after commit."""
    batch = ValidationBatch.objects.create(
        label=label[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
        total=len(documents),
    )
    BatchItem.objects.bulk_create(
        BatchItem(
            batch=batch,
            name=name[:255],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        for name, content in documents
    )
    audit.record(
        actor=actor,
        action="signatures.batch_created",
        target=batch,
        before=None,
        after={"label": batch.label, "total": batch.total},
    )
    if start:
        from signatures.tasks import validate_batch

        transaction.on_commit(lambda: validate_batch.delay(batch_id=batch.pk))
    return batch


def batch_run(*, batch: ValidationBatch) -> ValidationBatch:
    """Validate every not-yet-validated item; safe to run again (idempotent, resumable).

    All items share one PKIX environment, so each certificate's revocation status is fetched
    once per batch (and reused within its validity).
    """
    ValidationBatch.objects.filter(pk=batch.pk, status=ValidationBatch.Status.PENDING).update(
        status=ValidationBatch.Status.RUNNING
    )
    env = pkix.PkixEnvironment(
        fetcher=environment().fetcher,
        settings=environment().settings,
        revocation_cache=environment().revocation_cache,
    )
    policy = validation_policy()
    pending = BatchItem.objects.filter(batch=batch, validated_at__isnull=True).values_list(
        "pk", flat=True
    )
    for item_id in list(pending):
        content = (
            BatchItem.objects.filter(pk=item_id, validated_at__isnull=True)
            .values_list("content", flat=True)
            .first()
        )
        if content is None:
            continue  # done by a concurrent run
        # Validation may fetch OCSP responses and CRLs: it runs outside any transaction, and only
        # the result is written under the row lock (the first run to finish an item wins).
        report = validate(bytes(content), policy=policy, env=env)
        with transaction.atomic():
            written = BatchItem.objects.filter(pk=item_id, validated_at__isnull=True).update(
                indication=report.indication,
                sub_indication=report.sub_indication or "",
                report=report.to_dict(),
                validated_at=timezone.now(),
            )
            if written:
                _batch_counters(batch.pk)
    with transaction.atomic():
        locked = ValidationBatch.objects.select_for_update().get(pk=batch.pk)
        _batch_counters(batch.pk)
        locked.refresh_from_db()
        locked.revocation_fetches += env.fetch_count
        if locked.processed >= locked.total:
            locked.status = ValidationBatch.Status.DONE
            locked.finished_at = locked.finished_at or timezone.now()
        locked.save(update_fields=["revocation_fetches", "status", "finished_at"])
    return locked


def _batch_counters(batch_id: int) -> None:
    items = BatchItem.objects.filter(batch_id=batch_id, validated_at__isnull=False)
    ValidationBatch.objects.filter(pk=batch_id).update(
        processed=items.count(),
        passed=items.filter(indication=Indication.TOTAL_PASSED).count(),
        failed=items.filter(indication=Indication.TOTAL_FAILED).count(),
        indeterminate=items.filter(indication=Indication.INDETERMINATE).count(),
    )


def detached_files(signature: bytes, *, names: list[str]) -> list[str]:
    """The names among ``names`` that a detached XAdES ``signature`` references (matched the
    way :func:`validate` matches ``detached_documents``)."""
    keys = {file_key(uri) for uri in reference_uris(signature, policy=validation_policy())}
    return [name for name in names if file_key(name) in keys]
