"""Sharing a case with a named member of staff outside its department (django-guardian).

The clerk handling the case or the head of its department (or the head of the office, or a
deputy standing in for one of them) gives one person of the same office ``view_case`` on the
case, and optionally ``change_case``: a co-handler who may take the clerk's workflow steps
(``workflow.authority``). A share is revoked the same way. Both are recorded in the metryka and
the audit trail. Visibility never leaves the office (``selectors.visibility``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from offices.models import StaffRole
from offices.selectors import memberships_active, stands_in_for
from sekap import audit
from sekap.accounts.models import User
from sekap.errors import NotAllowed

from ..errors import ShareRefused
from ..models import Case
from ..selectors.sharing import case_shared_with
from ..selectors.visibility import CASE_ROLES, cases_visible_to
from .history import case_event

VIEW = "documents.view_case"
CHANGE = "documents.change_case"


def _may_share_in_person(*, user, case: Case, on: dt.date) -> bool:
    if case.assignee_id == user.pk:
        return True
    heads = memberships_active(user=user, on=on).filter(
        office_id=case.office_id, role=StaffRole.HEAD
    )
    return (
        heads.filter(department_id=case.department_id).exists()
        or heads.filter(department__isnull=True).exists()
    )


def sharing_as(*, user, case: Case) -> tuple[bool, User | None]:
    """(may share, on whose behalf): in person, or as the deputy of someone who may."""
    today = timezone.localdate()
    if _may_share_in_person(user=user, case=case, on=today):
        return True, None
    for principal in User.objects.filter(pk__in=stands_in_for(deputy=user)):
        if _may_share_in_person(user=principal, case=case, on=today):
            return True, principal
    return False, None


def _works_in_office(*, user: User, case: Case) -> bool:
    return (
        memberships_active(user=user).filter(office_id=case.office_id, role__in=CASE_ROLES).exists()
    )


def _checked(*, case: Case, acting: User) -> tuple[Case, User | None]:
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not cases_visible_to(staff=acting).filter(pk=case.pk).exists():
        raise NotAllowed()
    allowed, principal = sharing_as(user=acting, case=case)
    if not allowed:
        raise ShareRefused()
    return case, principal


def _name(user: User) -> str:
    return user.get_full_name() or user.email


@transaction.atomic
def case_share(*, case: Case, clerk: User, may_change: bool, acting: User) -> Case:
    """Let ``clerk`` (same office) see ``case``, and change it when ``may_change``."""
    case, principal = _checked(case=case, acting=acting)
    if clerk.pk == acting.pk or not _works_in_office(user=clerk, case=case):
        raise ShareRefused()
    before = case_shared_with(case=case).get(clerk.pk)
    assign_perm(VIEW, clerk, case)
    if may_change:
        assign_perm(CHANGE, clerk, case)
    else:
        remove_perm(CHANGE, clerk, case)
    case_event(
        case=case,
        action="shared_change" if may_change else "shared_view",
        params={"clerk": _name(clerk)},
        actor=acting,
        on_behalf_of=principal,
    )
    audit.record(
        actor=acting,
        action="documents.case_shared",
        target=case,
        before={"clerk": clerk.pk, "change": before} if before is not None else None,
        after={
            "clerk": clerk.pk,
            "change": may_change,
            "on_behalf_of": principal.pk if principal else None,
        },
    )
    return case


@transaction.atomic
def case_unshare(*, case: Case, clerk: User, acting: User) -> Case:
    """Take back a share (a person who never had one is refused)."""
    case, principal = _checked(case=case, acting=acting)
    before = case_shared_with(case=case).get(clerk.pk)
    if before is None:
        raise ShareRefused()
    remove_perm(VIEW, clerk, case)
    remove_perm(CHANGE, clerk, case)
    case_event(
        case=case,
        action="unshared",
        params={"clerk": _name(clerk)},
        actor=acting,
        on_behalf_of=principal,
    )
    audit.record(
        actor=acting,
        action="documents.case_unshared",
        target=case,
        before={"clerk": clerk.pk, "change": before},
        after={"on_behalf_of": principal.pk if principal else None},
    )
    return case
