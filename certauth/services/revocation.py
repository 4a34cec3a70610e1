"""Revocation, suspension (certificateHold) and its release.

Who may change a certificate's status:

* its holder, with a holder reason (``HOLDER_REASONS``), at once;
* an operator within their scope (:func:`in_scope`): a CPD administrator everywhere, a
  registration-authority operator for certificates enrolled through one of their offices;
* for a critical certificate (:func:`is_critical`: CA, OCSP/TSA, seals, four-eyes profiles) an
  operator only files a :class:`RevocationRequest`; a second person in scope approves it and the
  change is made then (four eyes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sekap import audit
from sekap.dispatch import dispatch_on_commit

from ..authority import ra_policy
from ..errors import (
    OutOfScope,
    OwnRevocationRequest,
    RevocationPending,
    SecondPersonRequired,
    WrongState,
)
from ..models import (
    Certificate,
    CertificateAuthority,
    CertificateStatus,
    RevocationReason,
    RevocationRequest,
    SubjectKind,
)
from .crl import crl_entry_der
from .ocsp_presign import schedule_presign

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


def is_critical(certificate: Certificate) -> bool:
    """CA, service (OCSP, TSA) and seal certificates, and every four-eyes profile.

    Revoking one of these breaks many signatures at once (the issuing CA, the platform seal), so
    an operator's status change takes effect only when a second person approves it.
    """
    profile = certificate.profile
    return (
        certificate.is_ca
        or profile is None
        or profile.subject_kind in (SubjectKind.SEAL, SubjectKind.SERVICE)
        or profile.four_eyes
    )


def in_scope(*, user: Any, certificate: Certificate) -> bool:
    """May ``user`` act as operator on ``certificate``?

    A CPD administrator acts on every certificate; a registration-authority operator only on
    certificates of holders enrolled through one of their offices (``ra_office_terc``).
    """
    policy = ra_policy()
    if policy.is_ca_admin(user):
        return True
    if not policy.is_operator(user) or not certificate.ra_office_terc:
        return False
    return certificate.ra_office_terc in policy.operator_offices(user)


def _is_holder(user: Any, certificate: Certificate) -> bool:
    return certificate.holder_id is not None and certificate.holder_id == getattr(user, "pk", None)


def may_revoke(*, user: Any, certificate: Certificate, reason: str = "unspecified") -> bool:
    """Holders revoke their own certificates with holder reasons; operators within their scope."""
    if _is_holder(user, certificate) and reason in HOLDER_REASONS:
        return True
    return in_scope(user=user, certificate=certificate)


def _check_operator_change(*, actor: Any, certificate: Certificate) -> None:
    if not in_scope(user=actor, certificate=certificate):
        raise OutOfScope
    if is_critical(certificate):
        raise SecondPersonRequired


def _after_change(certificate: Certificate, *, notify: str) -> None:
    dispatch_on_commit(task_name="certauth.tasks.publish_crl", ca_id=certificate.ca_id)
    schedule_presign(certificate=certificate, withdraw=True)
    if certificate.holder_id:
        dispatch_on_commit(
            task_name="certauth.tasks.notify_holder", certificate_id=certificate.pk, event=notify
        )


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: Any) -> Certificate:
    """Revoke (or suspend, with reason ``certificate_hold``) a certificate."""
    if reason not in RevocationReason.values:
        raise WrongState
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not (_is_holder(actor, certificate) and reason in HOLDER_REASONS):
        _check_operator_change(actor=actor, certificate=certificate)
    return _revoke(certificate=certificate, reason=reason, actor=actor)


def _revoke(*, certificate: Certificate, reason: str, actor: Any) -> Certificate:
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
    _check_operator_change(actor=actor, certificate=certificate)
    return _release(certificate=certificate, actor=actor)


def _release(*, certificate: Certificate, actor: Any) -> Certificate:
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


def _check_status_for(action: str, reason: str, certificate: Certificate) -> None:
    if action == RevocationRequest.Action.RELEASE:
        if certificate.status != CertificateStatus.ON_HOLD:
            raise WrongState
        return
    if reason not in RevocationReason.values or certificate.status == CertificateStatus.REVOKED:
        raise WrongState
    if certificate.status == CertificateStatus.ON_HOLD and reason == "certificate_hold":
        raise WrongState


@transaction.atomic
def revocation_request_file(
    *, certificate: Certificate, action: str, reason: str = "", actor: Any
) -> RevocationRequest:
    """An operator in scope asks for a status change of a critical certificate."""
    if action not in RevocationRequest.Action.values:
        raise WrongState
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not in_scope(user=actor, certificate=certificate):
        raise OutOfScope
    reason = "" if action == RevocationRequest.Action.RELEASE else reason
    _check_status_for(action, reason, certificate)
    if certificate.revocation_requests.filter(status=RevocationRequest.Status.PENDING).exists():
        raise RevocationPending
    request = RevocationRequest.objects.create(
        certificate=certificate, action=action, reason=reason, requested_by=actor
    )
    audit.record(
        actor=actor,
        action="certauth.revocation_requested",
        target=request,
        after={
            "certificate": certificate.serial_hex,
            "action": action,
            "reason": reason,
            "status": request.status,
        },
    )
    return request


def _lock_pending(request: RevocationRequest) -> RevocationRequest:
    request = (
        RevocationRequest.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .get(pk=request.pk)
    )
    if request.status != RevocationRequest.Status.PENDING:
        raise WrongState
    return request


def _decide(request: RevocationRequest, *, actor: Any, status: str) -> None:
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action=f"certauth.revocation_{status}",
        target=request,
        before={"status": RevocationRequest.Status.PENDING},
        after={"status": status, "certificate": request.certificate.serial_hex},
    )


@transaction.atomic
def revocation_request_approve(*, request: RevocationRequest, actor: Any) -> Certificate:
    """A second person in scope approves: the status change is made now."""
    request = _lock_pending(request)
    if actor.pk == request.requested_by_id:
        raise OwnRevocationRequest
    certificate = Certificate.objects.select_for_update().get(pk=request.certificate_id)
    if not in_scope(user=actor, certificate=certificate):
        raise OutOfScope
    _check_status_for(request.action, request.reason, certificate)
    _decide(request, actor=actor, status=RevocationRequest.Status.APPROVED)
    if request.action == RevocationRequest.Action.RELEASE:
        return _release(certificate=certificate, actor=actor)
    return _revoke(certificate=certificate, reason=request.reason, actor=actor)


@transaction.atomic
def revocation_request_reject(*, request: RevocationRequest, actor: Any) -> RevocationRequest:
    """A person in scope turns the request down (the requester may withdraw their own)."""
    request = _lock_pending(request)
    if not in_scope(user=actor, certificate=request.certificate):
        raise OutOfScope
    _decide(request, actor=actor, status=RevocationRequest.Status.REJECTED)
    return request
