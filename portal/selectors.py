"""Reads of the portal's own data, always scoped to the person asking."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Draft, DraftStatus


def drafts_for(*, user) -> QuerySet[Draft]:
    """The person's unfinished applications ("Moje wersje robocze")."""
    return (
        Draft.objects.filter(owner=user)
        .exclude(status=DraftStatus.SUBMITTED)
        .select_related("service__office", "company", "version")
        .order_by("-updated_at")
    )


def draft_for(*, user, pk: int) -> Draft | None:
    return (
        Draft.objects.filter(owner=user, pk=pk)
        .select_related("service__office", "service__department", "version__template", "company")
        .first()
    )
