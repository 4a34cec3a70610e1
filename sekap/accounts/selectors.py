"""Reads of accounts other apps may use."""

from __future__ import annotations

import math

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import devices_for_user

from .models import Company, Representation, RepresentationStatus, User


def representations_live(*, user: User) -> QuerySet[Representation]:
    today = timezone.localdate()
    return Representation.objects.filter(user=user, status=RepresentationStatus.APPROVED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def companies_represented_by(user: User) -> QuerySet[Company]:
    """Companies the user may act for now (approved, unexpired powers of attorney)."""
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(pk__in=representations_live(user=user).values("company_id"))


def may_represent(*, user: User, company: Company) -> bool:
    return companies_represented_by(user).filter(pk=company.pk).exists()


def second_factor_wait(*, user: User) -> int:
    """Seconds until the user's devices accept a code again (0: now).

    After a wrong code django-otp refuses every code, the right one too, for 1, 2, 4, 8 …
    seconds; the person must be told to wait rather than that the right code is wrong.
    """
    now = timezone.now()
    wait = 0.0
    for device in devices_for_user(user, confirmed=None):
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            wait = max(wait, (details["locked_until"] - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def subject_account(*, user: User) -> dict:
    """What the account itself holds about its person, JSON-ready (GDPR art. 15)."""
    when = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "kind": user.kind,
        "pesel": user.pesel,
        "birth_date": when(user.birth_date),
        "nationality": user.nationality,
        "id_document_kind": user.id_document_kind,
        "id_document_number": user.id_document_number,
        "phone": user.phone,
        "identity_level": user.identity_level,
        "verified_method": user.verified_method,
        "verified_at": when(user.verified_at),
        "date_joined": when(user.date_joined),
        "last_login": when(user.last_login),
        "companies_represented": [
            {"name": r.company.name, "nip": r.company.nip, "status": r.status}
            for r in Representation.objects.filter(user=user).select_related("company")
        ],
    }
