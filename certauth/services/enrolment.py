"""Enrolment: a holder sends a CSR, a registration-authority operator approves or rejects it."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from django.db import IntegrityError, transaction
from django.utils import timezone

from sekap import audit

from ..authority import ra_policy
from ..errors import (
    ApprovalNotAllowed,
    CaNotInitialised,
    NotVerified,
    OwnRequest,
    PendingExists,
    WrongState,
)
from ..models import (
    Certificate,
    CertificateAuthority,
    CertificateRequest,
    Profile,
    SubjectKind,
)
from .ceremony import ISSUING_SLUG
from .issuance import (
    certificate_issue,
    check_key_allowed,
    citizen_subject,
    clerk_subject,
    parse_csr,
    seal_subject,
)


def issuing_ca() -> CertificateAuthority:
    ca = CertificateAuthority.objects.filter(slug=ISSUING_SLUG).first()
    if ca is None:
        raise CaNotInitialised
    return ca


@transaction.atomic
def request_submit(
    *,
    user: Any,
    profile: Profile,
    csr: bytes,
    origin: str,
    office_terc: str = "",
) -> CertificateRequest:
    """File a request for ``profile`` with the key in ``csr`` (PEM or DER PKCS#10)."""
    ca = issuing_ca()
    policy = ra_policy()
    office_name = ""
    if not profile.is_active or profile.subject_kind == SubjectKind.SERVICE:
        raise ApprovalNotAllowed
    if profile.subject_kind == SubjectKind.CITIZEN:
        if not (user.is_identity_verified and user.pesel):
            raise NotVerified
        office_terc = ""
    elif profile.subject_kind == SubjectKind.CLERK:
        office = policy.clerk_office(user)
        if office is None:
            raise ApprovalNotAllowed
        office_terc, office_name = office.terc, office.name
    else:
        offices = {o.terc: o for o in policy.seal_offices(user)}
        if office_terc not in offices:
            raise ApprovalNotAllowed
        office_name = offices[office_terc].name
    parsed = parse_csr(csr)
    key_type = check_key_allowed(profile=profile, public_key=parsed.public_key())
    from cryptography.hazmat.primitives import serialization

    try:
        with transaction.atomic():  # one pending request per requester, profile and office
            request = CertificateRequest.objects.create(
                profile=profile,
                ca=ca,
                requester=user,
                subject_user=user if profile.subject_kind != SubjectKind.SEAL else None,
                office_terc=office_terc,
                office_name=office_name,
                csr_der=parsed.public_bytes(serialization.Encoding.DER),
                key_type=key_type,
                origin=origin,
            )
    except IntegrityError as exc:
        raise PendingExists from exc
    audit.record(
        actor=user,
        action="certauth.request_submitted",
        target=request,
        after={"profile": profile.slug, "office": office_terc, "key": key_type, "origin": origin},
    )
    return request


def may_decide(*, user: Any, request: CertificateRequest) -> bool:
    policy = ra_policy()
    kind = request.profile.subject_kind
    if kind == SubjectKind.CITIZEN:
        return policy.is_operator(user)
    if kind == SubjectKind.CLERK:
        return policy.may_approve_clerk(user, request.office_terc)
    if kind == SubjectKind.SEAL:
        return policy.may_approve_seal(user, request.office_terc)
    return False


def _check_decider(*, actor: Any, request: CertificateRequest) -> None:
    if actor.pk in (request.requester_id, request.subject_user_id):
        raise OwnRequest
    if not may_decide(user=actor, request=request):
        raise ApprovalNotAllowed


def _subject_for(request: CertificateRequest) -> x509.Name:
    kind = request.profile.subject_kind
    person = request.subject_user
    if kind == SubjectKind.CITIZEN:
        if not (person.is_identity_verified and person.pesel):
            raise NotVerified
        return citizen_subject(
            given_name=person.first_name, surname=person.last_name, pesel=person.pesel
        )
    if kind == SubjectKind.CLERK:
        return clerk_subject(
            given_name=person.first_name, surname=person.last_name, office_name=request.office_name
        )
    return seal_subject(office_name=request.office_name, office_terc=request.office_terc)


@transaction.atomic
def request_approve(*, request: CertificateRequest, actor: Any) -> Certificate:
    """The operator has checked the identity document: issue the certificate."""
    request = (
        CertificateRequest.objects.select_for_update(of=("self",))
        .select_related("profile", "subject_user", "ca")
        .get(pk=request.pk)
    )
    if request.status != CertificateRequest.Status.PENDING:
        raise WrongState
    _check_decider(actor=actor, request=request)
    csr = parse_csr(bytes(request.csr_der))
    # The registration-authority area: the office named in a clerk or seal certificate, else
    # the approving operator's office (the first by TERC when they serve several).
    ra_office = request.office_terc or next(iter(ra_policy().operator_offices(actor)), "")
    certificate = certificate_issue(
        ca=request.ca,
        profile=request.profile,
        public_key=csr.public_key(),
        subject=_subject_for(request),
        actor=actor,
        holder=request.subject_user,
        request=request,
        office_terc=request.office_terc,
        ra_office_terc=ra_office,
    )
    request.status = CertificateRequest.Status.ISSUED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="certauth.request_approved",
        target=request,
        before={"status": CertificateRequest.Status.PENDING},
        after={"status": request.status, "certificate": certificate.serial_hex},
    )
    return certificate


@transaction.atomic
def request_reject(*, request: CertificateRequest, actor: Any, reason: str) -> CertificateRequest:
    request = (
        CertificateRequest.objects.select_for_update().select_related("profile").get(pk=request.pk)
    )
    if request.status != CertificateRequest.Status.PENDING:
        raise WrongState
    _check_decider(actor=actor, request=request)
    request.status = CertificateRequest.Status.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.rejection_reason = reason[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    audit.record(
        actor=actor,
        action="certauth.request_rejected",
        target=request,
        before={"status": CertificateRequest.Status.PENDING},
        after={"status": request.status, "reason": request.rejection_reason},
    )
    return request


@transaction.atomic
def request_cancel(*, request: CertificateRequest, actor: Any) -> CertificateRequest:
    request = CertificateRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id != actor.pk:
        raise ApprovalNotAllowed
    if request.status != CertificateRequest.Status.PENDING:
        raise WrongState
    request.status = CertificateRequest.Status.CANCELLED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    audit.record(
        actor=actor,
        action="certauth.request_cancelled",
        target=request,
        before={"status": CertificateRequest.Status.PENDING},
        after={"status": request.status},
    )
    return request
