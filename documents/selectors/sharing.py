"""Reads of a case's shares (django-guardian object permissions on the case)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from offices.models import StaffMembership
from sekap.accounts.models import User

from ..models import Case, CaseUserObjectPermission
from .visibility import CASE_ROLES


@dataclass(frozen=True)
class Share:
    user: User
    may_change: bool


def case_shared_with(*, case: Case) -> dict[int, bool]:
    """{user id: may change} of everyone the case is shared with."""
    shared: dict[int, bool] = {}
    rows = CaseUserObjectPermission.objects.filter(content_object=case).values_list(
        "user_id", "permission__codename"
    )
    for user_id, codename in rows:
        if codename == "view_case":
            shared.setdefault(user_id, False)
    for user_id, codename in rows:
        if codename == "change_case" and user_id in shared:
            shared[user_id] = True
    return shared


def case_shares(*, case: Case) -> list[Share]:
    shared = case_shared_with(case=case)
    users = User.objects.filter(pk__in=shared).order_by("last_name", "first_name", "email")
    return [Share(user=user, may_change=shared[user.pk]) for user in users]


def share_candidates(*, case: Case) -> QuerySet[StaffMembership]:
    """Staff of the case's office who work on cases today (one row per membership)."""
    today = timezone.localdate()
    return (
        StaffMembership.objects.filter(office_id=case.office_id, role__in=CASE_ROLES)
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lt=today)
        .select_related("user", "department")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )


def shared_change(*, user, case: Case) -> bool:
    """Does ``user`` hold ``change_case`` on ``case`` (a co-handler named by a share)?"""
    return CaseUserObjectPermission.objects.filter(
        content_object=case, user_id=user.pk, permission__codename="change_case"
    ).exists()
