"""Reads of the archive and of the deadline timers for the clerks' screens: one query each.

An office's archive lists are seen by its clerks and its archivist only (``archive_offices``).
"""

from __future__ import annotations

from django.db.models import Count, F, Max, Min, QuerySet

from offices.models import Department, Office
from offices.selectors import memberships_active

from ..models import (
    CaseClosure,
    DelayComplaint,
    DestructionProposal,
    SupplementCall,
    SupplementOutcome,
    TransferList,
)
from .visibility import cases_visible_to

# Who sees an office's archive lists: its clerks and its archivist.
ARCHIVE_ROLES = ("clerk", "head", "registry_clerk", "archivist")


def archive_offices(user) -> QuerySet[Office]:
    """Offices whose archive lists ``user`` may see."""
    if not getattr(user, "is_authenticated", False):
        return Office.objects.none()
    ids = memberships_active(user=user).filter(role__in=ARCHIVE_ROLES).values("office_id")
    return Office.objects.filter(pk__in=ids)


def archivist_offices(user) -> QuerySet[Office]:
    if not getattr(user, "is_authenticated", False):
        return Office.objects.none()
    ids = memberships_active(user=user).filter(role="archivist").values("office_id")
    return Office.objects.filter(pk__in=ids).order_by("name")


def archive_departments(user) -> QuerySet[Department]:
    return (
        Department.objects.filter(office__in=archive_offices(user))
        .select_related("office")
        .order_by("office__name", "symbol")
    )


def transfer_lists_for(user) -> QuerySet[TransferList]:
    return (
        TransferList.objects.filter(office__in=archive_offices(user))
        .select_related("office", "department", "created_by", "accepted_by")
        .annotate(files=Count("closures"))
        .order_by("-year", "-number")
    )


def destruction_proposals_for(user) -> QuerySet[DestructionProposal]:
    return (
        DestructionProposal.objects.filter(office__in=archive_offices(user))
        .select_related("office", "created_by", "decided_by")
        .annotate(files=Count("closures"))
        .order_by("-year", "-number")
    )


def transfer_list_folders(transfer: TransferList) -> list[dict]:
    """The list's rows: one folder (teczka) per JRWA class and year, with its extreme dates."""
    return list(
        CaseClosure.objects.filter(transfer_list=transfer)
        .values("case__jrwa_symbol", "jrwa_heading", "archival_category", "case__year")
        .annotate(files=Count("pk"), first=Min("case__started_on"), last=Max("closed_on"))
        .order_by("case__jrwa_symbol", "case__year")
    )


def closures_of(**filters) -> QuerySet[CaseClosure]:
    return (
        CaseClosure.objects.filter(**filters)
        .select_related("case")
        .order_by("case__jrwa_symbol", "case__year", "case__number")
    )


# --- the deadline work list -----------------------------------------------------------------


def complaints_to_forward(*, staff) -> QuerySet[DelayComplaint]:
    """Complaints about delay in cases the clerk sees, not yet forwarded, oldest term first."""
    return (
        DelayComplaint.objects.filter(
            forwarded_at__isnull=True, case__in=cases_visible_to(staff=staff).values("pk")
        )
        .select_related("case")
        .order_by("forward_due", "pk")
    )


def supplements_lapsed(*, staff) -> QuerySet[SupplementCall]:
    """Calls whose term passed without a supplement: leave unexamined (or wait for a late one)."""
    return (
        SupplementCall.objects.filter(
            outcome=SupplementOutcome.PENDING,
            lapsed_at__isnull=False,
            case__in=cases_visible_to(staff=staff).values("pk"),
        )
        .select_related("case")
        .order_by("due_on", "pk")
    )


def cases_prompted_for_delay(*, staff):
    """Open cases whose current deadline was flagged as near by the sweep."""
    return (
        cases_visible_to(staff=staff)
        .exclude(status="closed")
        .filter(delay_prompts__deadline=F("deadline"))
        .order_by("deadline", "pk")
    )
