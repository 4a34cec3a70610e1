"""Reads of accounts other apps may use."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

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
