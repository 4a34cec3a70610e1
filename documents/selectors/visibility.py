"""Which cases a member of staff may see: the one rule every staff page, API and search uses.

A clerk sees cases of their own office only, and there:
- the cases of the departments they work in (clerk or head of the department);
- every case of the office when they hold an office-wide role (registry clerk and office
  administrator, also when their membership names a department; head of the office without a
  department);
- cases waiting in a department where nobody works at the moment, when they head any
  department of the office (so no case is left where nobody can see it);
- cases assigned to them, and cases assigned to a person they stand in for, during the
  deputy period only;
- a case shared with them personally (a django-guardian object permission ``view_case``);
- a case in which an opinion is asked of them or of their department.

The person's scope (offices, departments, whom they stand in for) is read once per request
(``case_scope``: memberships and deputies, one small query); the cases are then one query
with that scope as literal ids, which PostgreSQL answers from the case indexes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from offices.models import Department, Deputy, StaffMembership, StaffRole
from offices.selectors import memberships_active

from ..models import Case, CaseUserObjectPermission, Opinion
from .opinions import asked_q
from .register import keeps_register
from .statements import compiled, statement_for, statement_rows

# (a signer sees the cases of the department, or of the office, they sign for)
CASE_ROLES = (
    StaffRole.REGISTRY_CLERK,
    StaffRole.CLERK,
    StaffRole.HEAD,
    StaffRole.SIGNER,
    StaffRole.OFFICE_ADMIN,
)
# The registry (kancelaria) and the office's administrator work for the whole office even when
# their membership names a department (the registry's own, e.g. KA); a head does so only
# without a department (the head of the office).
ALWAYS_OFFICE_WIDE = (StaffRole.REGISTRY_CLERK, StaffRole.OFFICE_ADMIN)
OFFICE_WIDE_Q = Q(role__in=ALWAYS_OFFICE_WIDE) | Q(role=StaffRole.HEAD, department__isnull=True)


def office_wide(role: str, department_id: int | None) -> bool:
    return role in ALWAYS_OFFICE_WIDE or (role == StaffRole.HEAD and not department_id)


DEPARTMENT_ROLES = (StaffRole.CLERK, StaffRole.HEAD)
# a signer sees the cases of the department they sign for, but is not assigned cases
SEEING_DEPARTMENT_ROLES = (*DEPARTMENT_ROLES, StaffRole.SIGNER)


@dataclass(frozen=True)
class CaseScope:
    """Where a person works on cases at one moment (ids only)."""

    user_id: int
    at: dt.datetime
    offices: frozenset[int]
    departments: frozenset[int]  # as clerk or head of the department
    headed: frozenset[int]  # as head of the department
    whole_offices: frozenset[int]  # office-wide roles
    head_offices: frozenset[int]  # offices where they head a department
    principals: frozenset[int]  # people they stand in for at ``at``
    roles: frozenset[str] = frozenset()  # every active role, case roles or not (the menu)
    registers: frozenset[str] = frozenset()  # TERC of the offices whose register they keep

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.at)

    @property
    def handles_cases(self) -> bool:
        return bool(self.offices)


# What a person's statements bind (``statements``): the scope's ids, moment and sets.
_SCOPE_SETS = ("offices", "departments", "headed", "whole_offices", "head_offices", "principals")


def scope_values(scope: CaseScope) -> dict[str, tuple]:
    """The scope's values as a statement binds them."""
    return {
        "user_id": (scope.user_id,),
        "at": (scope.at,),
        **{name: tuple(sorted(getattr(scope, name))) for name in _SCOPE_SETS},
    }


def scope_marked(scope: CaseScope, values: dict[str, tuple]) -> CaseScope:
    """``scope`` with the person's values replaced by ``values`` (markers)."""
    return dataclasses.replace(
        scope,
        user_id=values["user_id"][0],
        at=values["at"][0],
        **{name: frozenset(values[name]) for name in _SCOPE_SETS},
    )


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# The kinds of the scope statement's rows: a membership (office, department, role, TERC of the
# office) or a person stood in for at the moment (their id first, the rest empty).
_MEMBERSHIP, _PRINCIPAL = "m", "p"


def _scope_rows(values: dict[str, tuple]) -> QuerySet:
    """The person's memberships valid on the day and the people they stand in for at the
    moment, in one statement (two round trips were a seventh of a list page's queries)."""
    (user_id,), (moment,) = values["user_id"], values["at"]
    memberships = memberships_active(user=user_id, on=timezone.localdate(moment)).values_list(
        Value(_MEMBERSHIP), "office_id", "department_id", "role", "office__terc"
    )
    principals = Deputy.objects.filter(
        deputy=user_id, valid_from__lte=moment, valid_to__gt=moment
    ).values_list(
        Value(_PRINCIPAL),
        "principal_id",
        Value(None, output_field=IntegerField()),
        Value(None, output_field=CharField()),
        Value(None, output_field=CharField()),
    )
    return memberships.union(principals, all=True)


def _rows(key: tuple, build, values: dict[str, tuple]) -> list[tuple]:
    """The rows of a scope query, compiled once per process (``statements``)."""
    statement = statement_for(key, lambda marked: compiled(build(marked)), values)
    if statement is None:
        return list(build(values))
    return statement_rows(statement, values) if statement.sql else []


def case_scope(*, staff, at: dt.datetime | None = None) -> CaseScope:
    """The person's scope now (kept on the user object for the request) or at ``at``."""
    if at is None:
        cached = getattr(staff, "_documents_case_scope", None)
        if cached is not None:
            return cached
    moment = at or timezone.now()
    values = {"user_id": (staff.pk,), "at": (moment,)}
    read = _rows(("scope",), _scope_rows, values)
    every = [row[1:] for row in read if row[0] == _MEMBERSHIP]
    rows = [(o, d, r) for o, d, r, _terc in every if r in CASE_ROLES]
    # standing in for someone gives nothing where the person handles no cases
    principals = [row[1] for row in read if row[0] == _PRINCIPAL] if rows else []
    scope = CaseScope(
        user_id=staff.pk,
        at=moment,
        offices=frozenset(o for o, _d, _r in rows),
        departments=frozenset(d for _o, d, r in rows if d and r in SEEING_DEPARTMENT_ROLES),
        headed=frozenset(d for _o, d, r in rows if d and r == StaffRole.HEAD),
        whole_offices=frozenset(o for o, d, r in rows if office_wide(r, d)),
        head_offices=frozenset(o for o, d, r in rows if d and r == StaffRole.HEAD),
        principals=frozenset(principals),
        roles=frozenset(r for _o, _d, r, _t in every),
        registers=frozenset(t for _o, d, r, t in every if keeps_register(r, d)),
    )
    if at is None:
        staff._documents_case_scope = scope
    return scope


def departments_of(offices) -> QuerySet[Department]:
    """The departments of ``offices``, by office name and symbol (a list's department filter)."""
    return Department.objects.filter(office_id__in=offices).order_by("office__name", "symbol")


def _departments(values: dict[str, tuple]) -> QuerySet:
    return departments_of(values["offices"]).values_list("pk", "symbol", "name")


def scope_departments(*, staff) -> list[tuple[int, str, str]]:
    """(id, symbol, name) of the departments of the offices where ``staff`` handles cases, as
    ``departments_of`` orders them, from the person's scope already read for the request: a
    statement compiled once per number of offices (compiling the queryset cost three times
    the query)."""
    if not _authenticated(staff):
        return []
    offices = tuple(sorted(case_scope(staff=staff).offices))
    return _rows(("departments",), _departments, {"offices": offices})


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


def shared_with(user_id: int) -> QuerySet:
    """The ids of the cases shared with the person (a subquery)."""
    return CaseUserObjectPermission.objects.filter(
        user_id=user_id, permission__codename="view_case"
    ).values("content_object_id")


def visibility_branches(scope: CaseScope) -> list[Q]:
    """The ways a case of the person's offices is visible to them, one filter each (the rule
    is the office AND any of them; search looks each up on its own)."""
    if not scope.offices:
        return []
    people = {scope.user_id, *scope.principals}
    asked = Opinion.objects.filter(asked_q(user_id=scope.user_id, departments=scope.departments))
    branches = [
        Q(assignee_id__in=people),
        Q(pk__in=shared_with(scope.user_id)),
        Q(pk__in=asked.values("case_id")),
    ]
    if scope.departments:
        branches.append(Q(department_id__in=scope.departments))
    if scope.whole_offices:
        branches.append(Q(office_id__in=scope.whole_offices))
    if scope.head_offices:
        unstaffed = departments_without_staff(on=scope.today).filter(
            office_id__in=scope.head_offices
        )
        branches.append(Q(department_id__in=unstaffed.values("pk")))
    return branches


def visibility_q(scope: CaseScope) -> Q:
    """The visibility rule as a filter on Case (see the module docstring)."""
    branches = visibility_branches(scope)
    if not branches:
        return Q(pk__in=[])
    allowed = Q()
    for branch in branches:
        allowed |= branch
    return Q(office_id__in=scope.offices) & allowed


def cases_visible_to(*, staff, at: dt.datetime | None = None) -> QuerySet[Case]:
    """Cases ``staff`` may see now (or at ``at``), with what a list shows joined up front."""
    if not _authenticated(staff):
        return Case.objects.none()
    return (
        Case.objects.filter(visibility_q(case_scope(staff=staff, at=at)))
        .select_related("office", "department", "service", "assignee", "applicant")
        .order_by("deadline", "opened_at")
    )


def case_visible(*, staff, case: Case) -> bool:
    return cases_visible_to(staff=staff).filter(pk=case.pk).exists()
