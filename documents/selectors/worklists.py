"""The clerks' work lists: named filters over the cases a person may see.

Each list is a filter on typed columns of ``Case`` (no per-row Python), so the menu's counts
for every list are one aggregate query (``worklist_counts``) and a list page is one query
plus its page count (after the person's scope, ``visibility.case_scope``, read once).

The lists that follow a workflow step (to approve, to sign, to dispatch, suspended) match
the status names of the default workflow; a status no case has yet simply gives an empty
list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import Case
from .opinions import opinions_open_cases
from .visibility import CaseScope, case_scope, cases_visible_to, shared_with

# The states where the office's work has ended (the default workflow's final states).
CLOSED_STATUSES = ("closed", "final", "unexamined")
SUSPENDED_STATUSES = ("suspended",)
WAITING_STATUSES = ("waiting",)
APPROVAL_STATUSES = ("approval",)
SIGNATURE_STATUSES = ("signature",)
DISPATCH_STATUSES = ("dispatch",)
INCOMING_DAYS = 7
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Worklist:
    key: str
    title: Promise
    description: Promise
    filter: Callable[[CaseScope], Q]
    ordering: tuple[str, ...] = ("deadline", "opened_at")


def _open() -> Q:
    return ~Q(status__in=CLOSED_STATUSES)


WORKLISTS: tuple[Worklist, ...] = (
    Worklist(
        "incoming",
        _("Incoming"),
        _("Cases registered in the last 7 days in the offices whose registry you keep."),
        lambda s: (
            Q(office_id__in=s.whole_offices)
            & Q(opened_at__gte=s.at - dt.timedelta(days=INCOMING_DAYS))
        ),
        ("-opened_at",),
    ),
    Worklist(
        "mine",
        _("My cases"),
        _("Cases you handle."),
        lambda s: Q(assignee_id=s.user_id) & _open(),
    ),
    Worklist(
        "department",
        _("My department"),
        _("Open cases of the departments you work in."),
        lambda s: Q(department_id__in=s.departments) & _open(),
    ),
    Worklist(
        "shared",
        _("Shared with me"),
        _("Open cases of other departments shared with you by their handler or head."),
        lambda s: Q(pk__in=shared_with(s.user_id)) & _open(),
    ),
    Worklist(
        "opinions",
        _("Opinions to give"),
        _("Cases in which an opinion is asked of you or of your department."),
        lambda s: Q(pk__in=opinions_open_cases(user_id=s.user_id, departments=s.departments)),
    ),
    Worklist(
        "unassigned",
        _("Unassigned"),
        _("Open cases nobody handles yet."),
        lambda s: Q(assignee__isnull=True) & _open(),
        ("opened_at",),
    ),
    Worklist(
        "due_soon",
        _("Due within 7 days"),
        _("Open cases whose legal deadline is within the next 7 days."),
        lambda s: (
            Q(deadline__gte=s.today, deadline__lte=s.today + dt.timedelta(DUE_SOON_DAYS)) & _open()
        ),
    ),
    Worklist(
        "overdue",
        _("Overdue"),
        _("Open cases whose legal deadline has passed."),
        lambda s: Q(deadline__lt=s.today) & _open(),
    ),
    Worklist(
        "waiting",
        _("Waiting for the party"),
        _("Cases waiting for the applicant (a supplement, an explanation)."),
        lambda s: Q(status__in=WAITING_STATUSES),
    ),
    Worklist(
        "suspended",
        _("Suspended"),
        _("Suspended proceedings."),
        lambda s: Q(status__in=SUSPENDED_STATUSES),
    ),
    Worklist(
        "to_approve",
        _("To approve"),
        _("Draft decisions waiting for the approval of the head of your department."),
        lambda s: Q(status__in=APPROVAL_STATUSES) & Q(department_id__in=s.headed),
    ),
    Worklist(
        "to_sign",
        _("To sign"),
        _("Approved documents waiting for a signature."),
        lambda s: Q(status__in=SIGNATURE_STATUSES),
    ),
    Worklist(
        "to_dispatch",
        _("To dispatch"),
        _("Signed documents waiting to be sent."),
        lambda s: Q(status__in=DISPATCH_STATUSES),
    ),
)
BY_KEY = {w.key: w for w in WORKLISTS}

SORTS: dict[str, tuple[str, ...]] = {
    "deadline": ("deadline", "opened_at"),
    "-deadline": ("-deadline", "-opened_at"),
    "opened": ("opened_at",),
    "-opened": ("-opened_at",),
    "sign": ("sign",),
    "status": ("status", "deadline"),
}


def worklist_cases(
    *,
    staff,
    key: str,
    q: str = "",
    status: str = "",
    department_id: int | None = None,
    sort: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """One work list with the page's filters: status, department, a sign or title fragment."""
    worklist = BY_KEY[key]
    scope = case_scope(staff=staff, at=now)
    cases = cases_visible_to(staff=staff, at=now).filter(worklist.filter(scope))
    if status:
        cases = cases.filter(status=status)
    if department_id:
        cases = cases.filter(department_id=department_id)
    q = q.strip()
    if q:
        cases = cases.filter(Q(sign__istartswith=q) | Q(title__icontains=q))
    # a list shows the applicant and the handler; nothing else is joined
    cases = cases.select_related(None).select_related("applicant", "assignee")
    return cases.order_by(*SORTS.get(sort, worklist.ordering), "pk")


def worklist_counts(*, staff, now: dt.datetime | None = None) -> dict[str, int]:
    """How many cases each work list holds for the person: one aggregate query."""
    scope = case_scope(staff=staff, at=now)
    if not scope.handles_cases:
        return {w.key: 0 for w in WORKLISTS}
    return cases_visible_to(staff=staff, at=now).aggregate(
        **{w.key: Count("pk", filter=w.filter(scope)) for w in WORKLISTS}
    )
