"""Who may take a workflow step: the roles of ``definition.ROLES`` worked out for one case.

A member of staff holds a role through an active membership in the case's office (in the
case's department, or office-wide); the ``clerk`` role also needs the case to be unassigned or
assigned to them. Someone standing in for an absent colleague (``acting_principals``) may act
with the colleague's roles; the step then records both people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from offices.models import StaffRole
from offices.selectors import memberships_active, stands_in_for

from ...models import Case
from ...selectors.sharing import shared_change


@dataclass(frozen=True)
class Authority:
    role: str
    on_behalf_of: object | None = None


def acting_principals(*, actor, office_id: int, at: dt.datetime) -> list:
    """The people ``actor`` stands in for at ``at`` in the office (deputies' hook: the work
    lists use the same rule for what a deputy sees)."""
    ids = stands_in_for(deputy=actor, at=at).filter(office_id=office_id)
    return list(get_user_model().objects.filter(pk__in=ids.values("principal_id")))


_STAFF_ROLES = {
    "registry": (StaffRole.REGISTRY_CLERK,),
    "clerk": (StaffRole.CLERK, StaffRole.HEAD),
    "head": (StaffRole.HEAD,),
    "signer": (StaffRole.SIGNER,),
}


def _holds(*, user, role: str, case: Case, at: dt.datetime) -> bool:
    if role not in _STAFF_ROLES:
        return False
    memberships = memberships_active(user=user, on=timezone.localdate(at)).filter(
        office_id=case.office_id
    )
    if role == "clerk" and shared_change(user=user, case=case):  # a co-handler by a share
        return memberships.exists()
    if role == "clerk" and case.assignee_id not in (None, user.pk):
        return False
    memberships = memberships.filter(role__in=_STAFF_ROLES[role])
    if role != "registry":
        memberships = memberships.filter(
            Q(department_id=case.department_id) | Q(department__isnull=True)
        )
    return memberships.exists()


def _is_party(*, user, case: Case) -> bool:
    from ...selectors import cases_for

    return cases_for(user).filter(pk=case.pk).exists()


def authority_for(
    *, actor, case: Case, roles: tuple[str, ...], at: dt.datetime
) -> Authority | None:
    """The role under which ``actor`` may take a step needing one of ``roles``, or None."""
    if actor is None:
        return Authority(role="system") if "system" in roles else None
    if not getattr(actor, "is_authenticated", False):
        return None
    if "party" in roles and _is_party(user=actor, case=case):
        return Authority(role="party")
    for role in roles:
        if _holds(user=actor, role=role, case=case, at=at):
            return Authority(role=role)
    for principal in acting_principals(actor=actor, office_id=case.office_id, at=at):
        for role in roles:
            if _holds(user=principal, role=role, case=case, at=at):
                return Authority(role=role, on_behalf_of=principal)
    return None
