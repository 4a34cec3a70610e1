"""Which cases a member of staff may see: the one rule every staff page, API and search uses.

A clerk sees cases of their own office only, and there:
- the cases of the departments they work in (clerk or head of the department);
- every case of the office when they hold an office-wide role (registry clerk, office
  administrator, head of the office without a department);
- cases waiting in a department where nobody works at the moment, when they head any
  department of the office (so no case is left where nobody can see it);
- cases assigned to them, and cases assigned to a person they stand in for, during the
  deputy period only;
- a case shared with them personally (a django-guardian object permission ``view_case``).

It is one query with the person's scope in subqueries, so a list page costs the same whatever
the number of memberships or deputies.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from offices.models import Department, Deputy, StaffMembership, StaffRole
from offices.selectors import memberships_active

from ..models import Case, CaseUserObjectPermission

CASE_ROLES = (StaffRole.REGISTRY_CLERK, StaffRole.CLERK, StaffRole.HEAD, StaffRole.OFFICE_ADMIN)
OFFICE_WIDE_ROLES = (StaffRole.REGISTRY_CLERK, StaffRole.HEAD, StaffRole.OFFICE_ADMIN)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def departments_without_staff(*, on: dt.date | None = None) -> QuerySet[Department]:
    """Departments where no clerk or head works on the day (their cases need someone)."""
    on = on or timezone.localdate()
    staffed = StaffMembership.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        department=OuterRef("pk"),
        role__in=(StaffRole.CLERK, StaffRole.HEAD),
    )
    return Department.objects.filter(~Exists(staffed))


def visibility_q(*, staff, at: dt.datetime | None = None) -> Q:
    """The visibility rule as a filter on Case (see the module docstring)."""
    at = at or timezone.now()
    on = timezone.localdate(at)
    memberships = memberships_active(user=staff, on=on).filter(role__in=CASE_ROLES)
    offices = memberships.values("office_id")
    own_departments = memberships.filter(department__isnull=False).values("department_id")
    whole_office = memberships.filter(department__isnull=True, role__in=OFFICE_WIDE_ROLES).values(
        "office_id"
    )
    heads_of = memberships.filter(role=StaffRole.HEAD).values("office_id")
    unstaffed = departments_without_staff(on=on).filter(office_id__in=heads_of).values("pk")
    principals = Deputy.objects.filter(deputy=staff, valid_from__lte=at, valid_to__gt=at).values(
        "principal_id"
    )
    shared = CaseUserObjectPermission.objects.filter(
        user=staff, permission__codename="view_case"
    ).values("content_object_id")
    return Q(office_id__in=offices) & (
        Q(department_id__in=own_departments)
        | Q(office_id__in=whole_office)
        | Q(department_id__in=unstaffed)
        | Q(assignee=staff)
        | Q(assignee_id__in=principals)
        | Q(pk__in=shared)
    )


def cases_visible_to(*, staff, at: dt.datetime | None = None) -> QuerySet[Case]:
    """Cases ``staff`` may see now (or at ``at``), with what a list shows joined up front."""
    if not _authenticated(staff):
        return Case.objects.none()
    return (
        Case.objects.filter(visibility_q(staff=staff, at=at))
        .select_related("office", "department", "service", "assignee", "applicant")
        .order_by("deadline", "opened_at")
    )


def case_visible(*, staff, case: Case) -> bool:
    return cases_visible_to(staff=staff).filter(pk=case.pk).exists()
