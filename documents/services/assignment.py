"""Who handles a case: assigning and reassigning (the head of the department, or an office-wide
role when the department has nobody), also by a deputy standing in for the head.

The case's status is not touched here (that is the workflow's ``case_transition``); only the
handler changes. Both the metryka and the audit trail record who assigned, to whom, and on
whose behalf when a deputy acted ("X for Y").
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from offices.models import Deputy, StaffMembership, StaffRole
from offices.selectors import memberships_active
from sekap import audit
from sekap.accounts.models import User
from sekap.errors import NotAllowed

from ..errors import AssignmentRefused
from ..models import Case
from ..selectors.visibility import DEPARTMENT_ROLES, OFFICE_WIDE_Q, cases_visible_to
from ..selectors.worklists import CLOSED_STATUSES
from .history import case_event


def _authority(*, user, case: Case) -> bool:
    """Heads the case's department, or holds an office-wide role in its office."""
    return (
        memberships_active(user=user)
        .filter(office_id=case.office_id, department_id=case.department_id, role=StaffRole.HEAD)
        .exists()
        or memberships_active(user=user).filter(OFFICE_WIDE_Q, office_id=case.office_id).exists()
    )


def assigning_as(*, user, case: Case) -> tuple[bool, User | None]:
    """(may assign, on whose behalf): in person, or as the deputy of someone who may."""
    if _authority(user=user, case=case):
        return True, None
    now = timezone.now()
    for deputy in Deputy.objects.filter(
        deputy=user, office_id=case.office_id, valid_from__lte=now, valid_to__gt=now
    ).select_related("principal"):
        if _authority(user=deputy.principal, case=case):
            return True, deputy.principal
    return False, None


def assignable_clerks(*, case: Case, wide: bool) -> QuerySet[User]:
    """Clerks and heads of the case's department; of the whole office for an office-wide
    assigner (a department without clerks)."""
    today = timezone.localdate()
    members = (
        StaffMembership.objects.filter(office_id=case.office_id, role__in=DEPARTMENT_ROLES)
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lt=today)
    )
    if not wide:
        members = members.filter(department_id=case.department_id)
    return User.objects.filter(pk__in=members.values("user_id")).order_by(
        "last_name", "first_name", "email"
    )


@transaction.atomic
def case_assign(*, case: Case, clerk: User, acting: User) -> Case:
    """``acting`` makes ``clerk`` the handler of ``case``."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not cases_visible_to(staff=acting).filter(pk=case.pk).exists():
        raise NotAllowed()
    allowed, principal = assigning_as(user=acting, case=case)
    if not allowed:
        raise AssignmentRefused()
    wide = (
        memberships_active(user=principal or acting)
        .filter(OFFICE_WIDE_Q, office_id=case.office_id)
        .exists()
    )
    if not assignable_clerks(case=case, wide=wide).filter(pk=clerk.pk).exists():
        raise AssignmentRefused()
    previous = case.assignee
    case.assignee = clerk
    case.save(update_fields=["assignee", "updated_at"])
    case_event(
        case=case,
        action="reassigned" if previous else "assigned_to",
        params={"clerk": clerk.get_full_name() or clerk.email},
        actor=acting,
        on_behalf_of=principal,
    )
    audit.record(
        actor=acting,
        action="documents.case_assigned",
        target=case,
        before={"assignee": previous.pk if previous else None},
        after={"assignee": clerk.pk, "on_behalf_of": principal.pk if principal else None},
    )
    return case


@transaction.atomic
def cases_release_of_leaver(*, user: User, actor: User | None) -> int:
    """A leaver's open cases go back to their department's unassigned list (the head, or an
    office-wide role, assigns them again); nothing is moved to anyone silently. Called by
    ``offices.leavers.staff_deactivate`` (``settings.SEKAP_LEAVER_HANDLERS``) in its transaction.
    """
    cases = list(
        Case.objects.select_for_update()
        .filter(assignee=user)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("pk")
    )
    name = user.get_full_name() or user.email
    for case in cases:
        case.assignee = None
        case.save(update_fields=["assignee", "updated_at"])
        case_event(case=case, action="released_leaver", params={"clerk": name}, actor=actor)
        audit.record(
            actor=actor,
            action="documents.case_released",
            target=case,
            before={"assignee": user.pk},
            after={"assignee": None, "reason": "leaver"},
        )
    return len(cases)
