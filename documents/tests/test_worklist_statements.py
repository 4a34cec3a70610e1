"""The work lists' statements, compiled once per shape of a person's scope: each person still
gets exactly what the visibility rule and the list give them (the ORM's own queryset is the
reference), and a condition whose values are not all bound per person is never reused."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from documents.models import Case, Opinion
from documents.selectors import departments_for_filter, statements
from documents.selectors.visibility import scope_departments
from documents.selectors.worklists import (
    BY_KEY,
    SORTS,
    worklist_cases,
    worklist_counts,
    worklist_page,
)
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from offices.models import Deputy, StaffMembership
from sekap.accounts.tests.factories import UserFactory
from sekap.prepared import GENERIC_PLAN
from tests.support import executed_statements

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db, pki_dir):
    """Two departments of one office, a second office, cases in all three, and people whose
    scopes have every part of the rule: department, office-wide, head, deputy, share,
    opinion."""
    a = make_service(symbol="OR")
    b = make_service(office=a.office, symbol="GK", slug="drugi")
    elsewhere = make_service(symbol="OR")
    applicant = UserFactory()
    cases = [
        make_case(setup, applicant, 10 * i + n)
        for i, setup in enumerate((a, b, elsewhere))
        for n in range(4)
    ]
    clerk_a, clerk_b, clerk_elsewhere = clerk_of(a), clerk_of(b), clerk_of(elsewhere)
    registry = clerk_of(a, role="registry_clerk", department=False)
    head_b = clerk_of(b, role="head")
    today = timezone.localdate()
    statuses = ["open", "waiting", "approval", "closed"]
    for n, case in enumerate(cases):
        Case.objects.filter(pk=case.pk).update(
            status=statuses[n % 4],
            deadline=None if n % 5 == 0 else today + dt.timedelta(days=n - 6),
            assignee=(clerk_a, clerk_b, None)[n % 3] if case.office_id == a.office.pk else None,
        )
    assign_perm("documents.view_case", clerk_b, cases[1])
    Opinion.objects.create(
        case=cases[2],
        department=b.department,
        question="?",
        due_on=today,
        requested_by=clerk_a,
        requested_at=timezone.now(),
    )
    now = timezone.now()
    Deputy.objects.create(
        office=a.office,
        principal=clerk_a,
        deputy=head_b,
        valid_from=now + dt.timedelta(days=1),
        valid_to=now + dt.timedelta(days=3),
    )
    return [clerk_a, clerk_b, clerk_elsewhere, registry, head_b], now


def _fresh(user):
    user.__dict__.pop("_documents_case_scope", None)
    return user


def _orm_page(user, key, sort, size, now=None):
    return [c.pk for c in worklist_cases(staff=_fresh(user), key=key, sort=sort, now=now)[:size]]


def test_every_list_page_and_count_is_the_orms_for_every_person(people):
    persons, now = people
    statements._LOCAL.__dict__.pop("statements", None)
    for at in (None, now + dt.timedelta(days=2)):  # the deputy's window: a principal's cases
        for user in persons:
            for key in BY_KEY:
                for sort in ("", *SORTS):
                    whole = _orm_page(user, key, sort, 100, now=at)
                    seen, after = [], ""
                    for _ in range(20):
                        page = worklist_page(
                            staff=_fresh(user), key=key, sort=sort, after=after, size=2, now=at
                        )
                        seen += [c.pk for c in page.cases]
                        if not page.next_cursor:
                            break
                        after = page.next_cursor
                    assert seen == whole, (user, key, sort, at)
            counts = worklist_counts(staff=_fresh(user), now=at, cap=3)
            expected = {key: min(3, len(_orm_page(user, key, "", 100, now=at))) for key in BY_KEY}
            assert counts == expected, (user, at)
    compiled = statements._LOCAL.statements
    assert compiled and None not in compiled.values()  # every shape was compiled once


def test_a_page_binds_its_rows_and_people_like_the_orm(people):
    """The rows come with their applicant's and handler's names (no query per row, no model
    instance), as the ORM reads the cases."""
    persons, _now = people
    clerk_a = persons[0]
    page = worklist_page(staff=_fresh(clerk_a), key="department", sort="sign")
    reference = worklist_cases(staff=_fresh(clerk_a), key="department", sort="sign")
    reference = list(reference.select_related("applicant", "assignee"))

    def person(user):
        return (user.get_full_name() or user.email) if user is not None else ""

    assert [dataclasses.astuple(c) for c in page.cases] == [
        (c.pk, c.sign, c.title, c.status, c.deadline, c.opened_at, person(c.applicant),
         person(c.assignee))
        for c in reference
    ]  # fmt: skip
    assert not any(isinstance(c, Case) for c in page.cases)
    assert any(c.assignee for c in page.cases) and all(c.applicant for c in page.cases)


def test_the_department_filter_is_the_orms_for_every_person(people):
    persons, _now = people
    StaffMembership.objects.create(  # a second office: two offices' departments, in order
        user=persons[3],
        office=StaffMembership.objects.get(user=persons[2]).office,
        role="registry_clerk",
    )
    statements._LOCAL.__dict__.pop("statements", None)
    seen = []
    for user in [*persons, UserFactory(), AnonymousUser()]:
        expected = departments_for_filter(staff=_fresh(user)).values_list("pk", "symbol", "name")
        seen.append(scope_departments(staff=_fresh(user)))
        assert seen[-1] == list(expected), user
    assert {len(d) for d in seen} == {0, 1, 2, 3}
    assert None not in statements._LOCAL.statements.values()


def test_people_of_one_shape_share_a_statement_and_get_their_own_cases(people):
    persons, _now = people
    clerk_a, clerk_b, clerk_elsewhere = persons[:3]
    StaffMembership.objects.filter(user=clerk_b).exclude(role="clerk").delete()
    statements._LOCAL.__dict__.pop("statements", None)
    first = worklist_page(staff=_fresh(clerk_elsewhere), key="department")
    compiled = len(statements._LOCAL.statements)
    for user in (clerk_a, clerk_elsewhere):
        page = worklist_page(staff=_fresh(user), key="department")
        assert [c.pk for c in page.cases] == _orm_page(user, "department", "", 50)
    assert len(statements._LOCAL.statements) == compiled  # the same shape, no new statement
    offices = set(
        Case.objects.filter(pk__in=[c.pk for c in first.cases]).values_list("office_id", flat=True)
    )
    assert offices == {StaffMembership.objects.get(user=clerk_elsewhere).office_id}


def test_a_value_not_bound_per_person_is_never_reused(people, monkeypatch):
    """A condition that reads a moment the statements do not know (here three days before the
    person's ``at``) is built for every request instead: compiled once, its date would be the
    first request's (or a marker's) for everybody."""
    persons, now = people
    registry = persons[3]
    incoming = BY_KEY["incoming"]
    monkeypatch.setitem(
        BY_KEY,
        "incoming",
        dataclasses.replace(
            incoming,
            filter=lambda s: (
                Q(office_id__in=s.whole_offices) & Q(opened_at__gte=s.at - dt.timedelta(days=3))
            ),
        ),
    )
    statements._LOCAL.__dict__.pop("statements", None)
    opened = Case.objects.filter(
        office_id__in=StaffMembership.objects.filter(user=registry).values("office_id")
    )
    assert opened.exists()
    for at, expected in ((now, opened.count()), (now + dt.timedelta(days=10), 0)):
        page = worklist_page(staff=_fresh(registry), key="incoming", now=at)
        assert len(page.cases) == expected, at
    pages = [v for k, v in statements._LOCAL.statements.items() if k[1][0] == "page"]
    assert pages == [None]


def test_counts_and_scope_are_prepared_once_per_connection(people):
    """On PostgreSQL the menu's counts, the scope's query and a list's first page are
    prepared on their first use on a connection and executed after. One statement each: the
    scope's memberships and deputies are one."""
    persons, _now = people
    clerk_a = persons[0]
    with CaptureQueriesContext(connection) as first:
        worklist_counts(staff=_fresh(clerk_a), cap=7)  # a statement no other test uses
    with CaptureQueriesContext(connection) as then:
        worklist_counts(staff=_fresh(clerk_a), cap=7)
        worklist_page(staff=clerk_a, key="mine")
    first_sql = [q["sql"] for q in first.captured_queries]
    then_sql = [q["sql"] for q in then.captured_queries]
    assert len(first_sql) == 2 and len(then_sql) == 3  # scope, counts, page
    if connection.vendor == "postgresql":
        assert all(sql.startswith("EXECUTE ") for sql in first_sql + then_sql[:2])
        assert then_sql[2].startswith((GENERIC_PLAN + "EXECUTE ", "EXECUTE "))
        # the partial indexes' condition written into the prepared statement as is
        assert "'closed'" in executed_statements(first.captured_queries)[1]


def test_pages_whose_generic_plan_is_not_measured_or_worse_are_planned_for_their_values(
    people,
):
    """Unassigned (its generic plan sorts the office's unassigned cases), another order, a
    filter and a page further on are planned for their values each time: plain SELECTs."""
    persons, _now = people
    clerk_a = persons[0]
    first = worklist_page(staff=clerk_a, key="department", size=1)
    assert first.next_cursor
    with CaptureQueriesContext(connection) as pages:
        worklist_page(staff=clerk_a, key="unassigned")
        worklist_page(staff=clerk_a, key="department", sort="-opened")
        worklist_page(staff=clerk_a, key="department", status="open")
        worklist_page(staff=clerk_a, key="department", size=1, after=first.next_cursor)
    sqls = [q["sql"] for q in pages.captured_queries]
    assert len(sqls) == 4
    if connection.vendor == "postgresql":
        assert all(sql.startswith("SELECT ") for sql in sqls), sqls


@pytest.mark.django_db(transaction=True)
def test_a_lists_first_page_is_run_by_its_generic_plan_outside_a_transaction(pki_dir):
    """PostgreSQL's own choice kept planning some lists' first pages on every page ("mine",
    "department": 0.6-1.1 ms of database CPU each for the same plan): they are run by the
    generic plan from the first run, the setting lasting for the page's statement only;
    inside a transaction block PostgreSQL chooses."""
    setup = make_service(symbol="OR")
    applicant, clerk = UserFactory(), clerk_of(setup)
    for n in range(3):
        Case.objects.filter(pk=make_case(setup, applicant, n).pk).update(assignee=clerk)
    expected = sorted(Case.objects.filter(assignee=clerk).values_list("pk", flat=True))

    def page() -> str:
        with CaptureQueriesContext(connection) as pages:
            rows = worklist_page(staff=_fresh(clerk), key="mine").cases
        assert sorted(row.pk for row in rows) == expected
        return pages.captured_queries[-1]["sql"]

    def plans(name: str) -> tuple[int, int]:
        """(generic, custom) plans of the connection's prepared statement so far."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                [name],
            )
            return cursor.fetchone()

    sql = page()
    if connection.vendor != "postgresql":
        return
    assert sql.startswith(GENERIC_PLAN + "EXECUTE "), sql
    name = sql.removeprefix(GENERIC_PLAN + "EXECUTE ").split("(")[0].strip()
    generic, custom = plans(name)
    for _ in range(6):
        assert page().startswith(GENERIC_PLAN + "EXECUTE ")
    assert plans(name) == (generic + 6, custom)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("auto",)  # only the page's own statement
    with transaction.atomic():
        assert page().startswith("EXECUTE ")
