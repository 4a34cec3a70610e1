"""The clerks' work lists: named filters over the cases a person may see.

Each list is a filter on typed columns of ``Case`` (no per-row Python). A list page is one
query (``worklist_page``): the next rows after a position in the list's order (keyset
pagination: page 200 costs what page 1 does, and no page count is read). The menu's counts
for every list are one query of capped counts (``worklist_counts``: at most ``COUNT_CAP``
rows are counted per list, shown as "99+" beyond), each answered from the first entries of
one of the open-case indexes (``Case.Meta.indexes``), whatever the size of the office.

The lists that follow a workflow step (to approve, to sign, to dispatch, suspended) match
the status names of the default workflow; a status no case has yet simply gives an empty
list.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.db import connection
from django.db.models import F, OrderBy, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import CLOSED_STATUSES, OPEN_CASE, Case, CaseStatus
from .opinions import opinions_open_cases
from .statements import compiled, statement_for, statement_rows
from .visibility import (
    CaseScope,
    case_scope,
    scope_marked,
    scope_values,
    shared_with,
    visibility_q,
)

__all__ = ["CLOSED_STATUSES", "WORKLISTS", "worklist_cases", "worklist_counts", "worklist_page"]

SUSPENDED_STATUSES = ("suspended",)
WAITING_STATUSES = ("waiting",)
APPROVAL_STATUSES = ("approval",)
SIGNATURE_STATUSES = ("signature",)
DISPATCH_STATUSES = ("dispatch",)
INCOMING_DAYS = 7
DUE_SOON_DAYS = 7
INCOMING = dt.timedelta(days=INCOMING_DAYS)
DUE_SOON = dt.timedelta(days=DUE_SOON_DAYS)
PAGE_SIZE = 50
# The menu counts at most this many cases per list ("99+" beyond).
COUNT_CAP = 100


_STATUS_NAMES: dict[str, dict[str, str]] = {}


def status_name(code: str) -> str:
    """A case status's name in the current language. A list shows 50 rows;
    ``get_status_display`` rebuilds the choices' dictionary (and translates every label) for
    each row, which was a tenth of a list page's CPU time: the names are built once per
    language and process."""
    language = get_language() or ""
    names = _STATUS_NAMES.get(language)
    if names is None:
        names = _STATUS_NAMES[language] = {value: str(label) for value, label in CaseStatus.choices}
    return names.get(code, code)


@dataclass(frozen=True)
class Worklist:
    key: str
    title: Promise
    description: Promise
    filter: Callable[[CaseScope], Q]
    ordering: tuple[str, ...] = ("deadline", "opened_at")
    # The list's first page in its own order, without filters (what the menu links to), is a
    # statement prepared on PostgreSQL and run by its generic plan (planning it on every page
    # cost half of the page's database time; ``statements.statement_rows``). False where the
    # generic plan is worse than planning each page (``_page_rows``).
    generic_plan: bool = True
    # Read in order from an index of the office's open cases (not of a department or a
    # person): where the person sees part of the office only, the visibility rule rejects
    # most of what is read, each rejected row a read of the table. The page's ids are then
    # picked from the index alone (the rule checked on its columns), its rows read after
    # (``_page_of``).
    office_index: bool = False


def _open() -> Q:
    return OPEN_CASE  # written as the partial indexes' condition, so PostgreSQL uses them


WORKLISTS: tuple[Worklist, ...] = (
    Worklist(
        "incoming",
        _("Incoming"),
        _("Cases registered in the last 7 days in the offices whose registry you keep."),
        lambda s: Q(office_id__in=s.whole_offices) & Q(opened_at__gte=s.at - INCOMING),
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
        # made without the office, the generic plan sorts all its unassigned cases instead of
        # reading the first of them in order (1 million cases: 6.6 ms in the largest office)
        generic_plan=False,
    ),
    Worklist(
        "due_soon",
        _("Due within 7 days"),
        _("Open cases whose legal deadline is within the next 7 days."),
        lambda s: Q(deadline__gte=s.today, deadline__lte=s.today + DUE_SOON) & _open(),
        office_index=True,
    ),
    Worklist(
        "overdue",
        _("Overdue"),
        _("Open cases whose legal deadline has passed."),
        lambda s: Q(deadline__lt=s.today) & _open(),
        office_index=True,
    ),
    Worklist(
        "waiting",
        _("Waiting for the party"),
        _("Cases waiting for the applicant (a supplement, an explanation)."),
        lambda s: Q(status__in=WAITING_STATUSES),
        office_index=True,
    ),
    Worklist(
        "suspended",
        _("Suspended"),
        _("Suspended proceedings."),
        lambda s: Q(status__in=SUSPENDED_STATUSES),
        office_index=True,
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
        office_index=True,
    ),
    Worklist(
        "to_dispatch",
        _("To dispatch"),
        _("Signed documents waiting to be sent."),
        lambda s: Q(status__in=DISPATCH_STATUSES),
        office_index=True,
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
# What a list page reads of a case and its people (its rows and every order of ``SORTS``):
# plain values in this order, no model instances (building ~150 of them a page, the cases with
# their applicant and handler, was a fifth of the page's CPU).
_PERSON = ("first_name", "last_name", "email")
LIST_COLUMNS = (
    "id",
    "sign",
    "title",
    "status",
    "deadline",
    "opened_at",
    *(f"applicant__{name}" for name in _PERSON),
    *(f"assignee__{name}" for name in _PERSON),
)


def _person(first_name: str | None, last_name: str | None, email: str | None) -> str:
    """A person's name as ``User.get_full_name`` gives it, or their e-mail ("" for nobody)."""
    if email is None:
        return ""
    return f"{first_name} {last_name}".strip() or email


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One case of a list page: what its row shows and orders by."""

    pk: int
    sign: str
    title: str
    status: str
    deadline: dt.date | None
    opened_at: dt.datetime
    applicant: str  # the applicant's name or e-mail
    assignee: str  # the handler's name or e-mail, "" when nobody handles the case

    @classmethod
    def from_values(cls, values: tuple) -> WorklistRow:
        return cls(*values[:6], _person(*values[6:9]), _person(*values[9:12]))


# Columns that may be empty; ascending they come last, descending first (PostgreSQL's own
# order, so the indexes serve both directions), on SQLite too.
NULLABLE = frozenset({"deadline"})


def _ordering(sort: str, worklist: Worklist) -> list[tuple[str, bool]]:
    """(column, descending) of the list's order, ending with the primary key."""
    names = SORTS.get(sort, worklist.ordering)
    columns = [(n.lstrip("-"), n.startswith("-")) for n in names]
    return [*columns, ("id", columns[-1][1])]


def _order_by(columns: list[tuple[str, bool]]) -> list[OrderBy]:
    return [
        F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True)
        for name, desc in columns
    ]


def _after(columns: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after ``values`` in the order of ``columns`` (the keyset condition)."""
    (name, desc), *rest = columns
    value, *later = values
    if not rest:
        return Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
    tail = _after(rest, later)
    if value is None:  # NULLs: last ascending, first descending
        same = Q(**{f"{name}__isnull": True}) & tail
        return same | Q(**{f"{name}__isnull": False}) if desc else same
    further = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
    if name in NULLABLE and not desc:
        further |= Q(**{f"{name}__isnull": True})
    return further | (Q(**{name: value}) & tail)


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: list[tuple[str, bool]]) -> list | None:
    """The position of a ``next`` link, checked against the list's columns (None: invalid)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            return None
        values = []
        for (name, _desc), value in zip(columns, raw, strict=True):
            if value is None and name not in NULLABLE:
                return None
            field = Case._meta.get_field(name)
            values.append(None if value is None else field.to_python(value))
        return values
    except (ValueError, TypeError, ValidationError, binascii.Error):
        return None


def _list_cases(
    scope: CaseScope,
    key: str,
    *,
    q: str = "",
    status: str = "",
    department_id: int | None = None,
    sort: str = "",
) -> QuerySet[Case]:
    worklist = BY_KEY[key]
    cases = Case.objects.filter(visibility_q(scope)).filter(worklist.filter(scope))
    if status:
        cases = cases.filter(status=status)
    if department_id:
        cases = cases.filter(department_id=department_id)
    q = q.strip()
    if q:
        cases = cases.filter(Q(sign__istartswith=q) | Q(title__icontains=q))
    return cases.order_by(*_order_by(_ordering(sort, worklist)))


def _values(cases: QuerySet[Case]) -> QuerySet:
    """A list's rows as tuples of ``LIST_COLUMNS``: only what a row shows or orders by is read
    (search_text alone is up to 100,000 characters a row), the applicant and the handler
    joined."""
    return cases.values_list(*LIST_COLUMNS)


def _page_of(
    cases: QuerySet[Case], *, scope: CaseScope, worklist: Worklist, columns, size: int
) -> QuerySet:
    """The first ``size`` rows of ``cases`` (in the order of ``columns``) as tuples of
    ``LIST_COLUMNS``. A list read from an index of the office's open cases, for a person
    who sees only part of the office, first picks the ids from the index (the visibility
    rule on the index's columns rejects the others without reading them), then reads those
    rows (1 million cases, a department clerk's overdue page, both planned for their values:
    2.8 -> 1.4 ms of database CPU). For an office-wide person nothing is rejected and the
    reads by id would only add: their rows are read directly."""
    if worklist.office_index and not scope.whole_offices:
        ids = cases.values("pk")[:size]
        cases = Case.objects.filter(pk__in=ids).order_by(*_order_by(columns))
    return _values(cases)[:size]


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
    if not getattr(staff, "is_authenticated", False):
        return Case.objects.none()
    scope = case_scope(staff=staff, at=now)
    return _list_cases(scope, key, q=q, status=status, department_id=department_id, sort=sort)


# --- The lists' statements: compiled once per process and shape (``statements``) ---------


def _rows(compiler, rows: list[tuple]) -> list[WorklistRow]:
    """The rows of a list page's statement, converted as the queryset it was compiled from
    converts them (dates and moments on SQLite)."""
    return [WorklistRow.from_values(row) for row in compiler.results_iter([rows])]


@dataclass(frozen=True)
class WorklistPage:
    """One page of a list: its rows, the position of the next page (empty on the last)."""

    cases: list[WorklistRow]
    next_cursor: str
    start: int  # how many rows come before this page (as the links carried it)

    @property
    def first(self) -> bool:
        return self.start == 0

    @property
    def end(self) -> int:
        return self.start + len(self.cases)


def _page_rows(
    *,
    staff,
    key: str,
    columns: list[tuple[str, bool]],
    position: list | None,
    size: int,
    q: str = "",
    status: str = "",
    department_id: int | None = None,
    sort: str = "",
    now: dt.datetime | None = None,
) -> list[WorklistRow]:
    statement = None
    worklist = BY_KEY[key]
    if q.strip() == "" and getattr(staff, "is_authenticated", False):
        scope = case_scope(staff=staff, at=now)
        values = {
            **scope_values(scope),
            "department_id": (department_id,) if department_id else (),
            "after": tuple(position) if position is not None else (),
        }

        def build(marked: dict[str, tuple]):
            marked_scope = scope_marked(scope, marked)
            cases = _list_cases(
                marked_scope,
                key,
                status=status,
                department_id=marked["department_id"][0] if department_id else None,
                sort=sort,
            )
            if position is not None:
                cases = cases.filter(_after(columns, list(marked["after"])))
            return compiled(
                _page_of(
                    cases, scope=marked_scope, worklist=worklist, columns=columns, size=size + 1
                )
            )

        statement = statement_for(("page", key, sort, status, size), build, values)
    if statement is None:  # a search within the list: built by the ORM
        if not getattr(staff, "is_authenticated", False):
            return []
        cases = worklist_cases(
            staff=staff,
            key=key,
            q=q,
            status=status,
            department_id=department_id,
            sort=sort,
            now=now,
        )
        if position is not None:
            cases = cases.filter(_after(columns, position))
        scope = case_scope(staff=staff, at=now)
        rows = _page_of(cases, scope=scope, worklist=worklist, columns=columns, size=size + 1)
        return [WorklistRow.from_values(row) for row in rows]
    if not statement.sql:
        return []
    # Prepared: the first page of a list in its own order. Planned for its values: a page
    # further on, a filter, another order (their generic plans were not measured), a list
    # whose generic plan is worse.
    prepare = worklist.generic_plan and position is None and not (sort or status or department_id)
    return _rows(
        statement.compiler, statement_rows(statement, values, prepare=prepare, generic=prepare)
    )


def worklist_page(
    *,
    staff,
    key: str,
    after: str = "",
    start: int = 0,
    size: int | None = None,
    **filters,
) -> WorklistPage:
    """The ``size`` rows of a list after the position ``after`` (a ``next_cursor``; empty or
    invalid: the first page), one query."""
    size = size or PAGE_SIZE
    columns = _ordering(filters.get("sort", ""), BY_KEY[key])
    position = _decode(after, columns) if after else None
    if position is None:
        start = 0
    rows = _page_rows(
        staff=staff, key=key, columns=columns, position=position, size=size, **filters
    )
    more = len(rows) > size
    rows = rows[:size]
    cursor = ""
    if more:
        last = rows[-1]
        cursor = _encode([getattr(last, "pk" if n == "id" else n) for n, _d in columns])
    return WorklistPage(cases=rows, next_cursor=cursor, start=max(0, start))


def _where(cases: QuerySet) -> tuple[str, tuple]:
    """The WHERE condition of a queryset over ``Case`` alone, compiled ("0 = 1" when it can
    match nothing, "1 = 1" when it matches everything)."""
    query = cases.query
    try:
        sql, params = query.get_compiler(using=cases.db).compile(query.where)
    except EmptyResultSet:  # a filter on an empty set of ids (e.g. no department)
        return "0 = 1", ()
    except FullResultSet:
        return "1 = 1", ()
    return sql or "1 = 1", tuple(params)


def _counts_sql(scope: CaseScope, cap: int) -> tuple[str, list, None]:
    """One query of one capped subquery per list, the visibility rule joined to each list's
    own condition (a list that can hold nothing for the person is a plain 0)."""
    visible_sql, params = _where(Case.objects.filter(visibility_q(scope)))
    table = connection.ops.quote_name(Case._meta.db_table)
    parts, all_params = [], []
    for worklist in WORKLISTS:
        list_sql, list_params = _where(Case.objects.filter(worklist.filter(scope)))
        if list_sql == "0 = 1":
            parts.append("0")
            continue
        # both conditions are Django's own compilation; the values stay parameters
        parts.append(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE ({visible_sql}) AND "  # noqa: S608
            f"({list_sql}) LIMIT {int(cap)}) capped)"
        )
        all_params += [*params, *list_params]
    return "SELECT " + ", ".join(parts), all_params, None


def worklist_counts(
    *, staff, now: dt.datetime | None = None, cap: int | None = None
) -> dict[str, int]:
    """How many cases each work list holds for the person, counting at most ``cap`` per list
    (``cap`` means "at least ``cap``"): one query of one capped subquery per list, compiled
    once per shape of the person's scope (see above)."""
    cap = cap or COUNT_CAP
    scope = case_scope(staff=staff, at=now)
    if not scope.handles_cases:
        return {w.key: 0 for w in WORKLISTS}
    values = scope_values(scope)
    statement = statement_for(
        ("counts", cap), lambda marked: _counts_sql(scope_marked(scope, marked), cap), values
    )
    if statement is None:
        sql, params, _none = _counts_sql(scope, cap)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    else:
        (row,) = statement_rows(statement, values)
    return {w.key: int(n) for w, n in zip(WORKLISTS, row, strict=True)}
