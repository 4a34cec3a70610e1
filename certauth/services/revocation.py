"""Revocation, suspension (certificateHold) and its release."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sekap import audit

from ..authority import ra_policy
from ..errors import WrongState
from ..models import Certificate, CertificateAuthority, CertificateStatus, RevocationReason
from .crl import crl_entry_der

HOLDER_REASONS = (
    RevocationReason.UNSPECIFIED,
    RevocationReason.KEY_COMPROMISE,
    RevocationReason.AFFILIATION_CHANGED,
    RevocationReason.SUPERSEDED,
    RevocationReason.CESSATION_OF_OPERATION,
    RevocationReason.CERTIFICATE_HOLD,
)


def _next_status_seq(ca_id: int) -> int:
    CertificateAuthority.objects.filter(pk=ca_id).update(status_seq=F("status_seq") + 1)
    return CertificateAuthority.objects.values_list("status_seq", flat=True).get(pk=ca_id)


def may_revoke(*, user: Any, certificate: Certificate, reason: str = "unspecified") -> bool:
    """Operators may revoke anything; holders their own certificates, with holder reasons."""
    if ra_policy().is_operator(user):
        return True
    own = certificate.holder_id is not None and certificate.holder_id == getattr(user, "pk", None)
    return own and reason in HOLDER_REASONS


def _after_change(certificate: Certificate, *, notify: str) -> None:
    from .. import tasks

    ca_id, cert_id = certificate.ca_id, certificate.pk
    transaction.on_commit(lambda: tasks.publish_crl.delay(ca_id=ca_id))
    if certificate.holder_id:
        transaction.on_commit(
            lambda: tasks.notify_holder.delay(certificate_id=cert_id, event=notify)
        )


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: Any) -> Certificate:
    """Revoke (or suspend, with reason ``certificate_hold``) a certificate."""
    if reason not in RevocationReason.values:
        raise WrongState
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not may_revoke(user=actor, certificate=certificate, reason=reason):
        from ..errors import ApprovalNotAllowed

        raise ApprovalNotAllowed
    hold = reason == RevocationReason.CERTIFICATE_HOLD
    if certificate.status == CertificateStatus.REVOKED or (
        certificate.status == CertificateStatus.ON_HOLD and hold
    ):
        raise WrongState
    before = {"status": certificate.status, "reason": certificate.revocation_reason}
    now = timezone.now().replace(microsecond=0)
    # Turning a hold into a revocation keeps the original revocation time (RFC 5280 §5.3.1).
    revoked_at = certificate.revoked_at if certificate.status == CertificateStatus.ON_HOLD else now
    certificate.status = CertificateStatus.ON_HOLD if hold else CertificateStatus.REVOKED
    certificate.revoked_at = revoked_at
    certificate.revocation_reason = reason
    certificate.status_seq = _next_status_seq(certificate.ca_id)
    certificate.crl_entry = crl_entry_der(
        serial=int(certificate.serial_hex, 16), revoked_at=revoked_at, reason=reason
    )
    certificate.ocsp_response = None
    certificate.ocsp_refresh_after = None
    certificate.save(
        update_fields=[
            "status",
            "revoked_at",
            "revocation_reason",
            "status_seq",
            "crl_entry",
            "ocsp_response",
            "ocsp_refresh_after",
        ]
    )
    audit.record(
        actor=actor,
        action="certauth.certificate_suspended" if hold else "certauth.certificate_revoked",
        target=certificate,
        before=before,
        after={
            "status": certificate.status,
            "reason": reason,
            "revoked_at": revoked_at.isoformat(),
            "serial": certificate.serial_hex,
        },
    )
    _after_change(certificate, notify="suspended" if hold else "revoked")
    return certificate


@transaction.atomic
def certificate_release_hold(*, certificate: Certificate, actor: Any) -> Certificate:
    """End a suspension: the certificate is valid again (removeFromCRL in the next delta CRL)."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not ra_policy().is_operator(actor):
        from ..errors import ApprovalNotAllowed

        raise ApprovalNotAllowed
    if certificate.status != CertificateStatus.ON_HOLD:
        raise WrongState
    certificate.status = CertificateStatus.VALID
    certificate.revoked_at = None
    certificate.revocation_reason = ""
    certificate.hold_released_at = timezone.now().replace(microsecond=0)
    certificate.status_seq = _next_status_seq(certificate.ca_id)
    certificate.crl_entry = None
    certificate.ocsp_response = None
    certificate.ocsp_refresh_after = None
    certificate.save(
        update_fields=[
            "status",
            "revoked_at",
            "revocation_reason",
            "hold_released_at",
            "status_seq",
            "crl_entry",
            "ocsp_response",
            "ocsp_refresh_after",
        ]
    )
    audit.record(
        actor=actor,
        action="certauth.certificate_hold_released",
        target=certificate,
        before={"status": CertificateStatus.ON_HOLD},
        after={"status": CertificateStatus.VALID, "serial": certificate.serial_hex},
    )
    _after_change(certificate, notify="released")
    return certificate
