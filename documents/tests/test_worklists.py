"""Work lists and the staff menu: what each list holds, the counts, one layout for every staff
screen, and pinned query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from documents.backoffice.cases import worklist_rows
from documents.models import Case
from documents.selectors.worklists import worklist_cases, worklist_counts, worklist_page
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case, staff_client
from offices.models import StaffMembership
from offices.tests.factories import DepartmentFactory
from sekap.accounts.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db, pki_dir):
    setup = make_service(symbol="OR")
    applicant = UserFactory()
    cases = [make_case(setup, applicant, n) for n in range(3)]
    return setup, applicant, cases


def test_lists_hold_what_their_names_say(office):
    setup, _applicant, (first, second, third) = office
    clerk = clerk_of(setup)
    today = timezone.localdate()
    Case.objects.filter(pk=first.pk).update(assignee=clerk, status="in_progress")
    Case.objects.filter(pk=second.pk).update(deadline=today - dt.timedelta(days=1))
    Case.objects.filter(pk=third.pk).update(deadline=today + dt.timedelta(days=3), status="waiting")

    def keys(key: str) -> list[int]:
        return sorted(worklist_cases(staff=clerk, key=key).values_list("pk", flat=True))

    assert keys("mine") == [first.pk]
    assert keys("department") == sorted([first.pk, second.pk, third.pk])
    assert keys("unassigned") == sorted([second.pk, third.pk])
    assert keys("overdue") == [second.pk]
    assert keys("waiting") == [third.pk]
    assert keys("incoming") == []  # a department clerk keeps no registry
    counts = worklist_counts(staff=clerk)
    assert counts["mine"] == 1 and counts["department"] == 3 and counts["overdue"] == 1
    assert counts["due_soon"] == 1 and counts["waiting"] == 1 and counts["to_approve"] == 0


def test_registry_sees_incoming_and_a_case_in_a_department_without_clerks(office):
    """The reported problem: nobody saw a case waiting in a department without clerks."""
    setup, _applicant, cases = office
    assert not StaffMembership.objects.filter(department=setup.department).exists()
    registry = clerk_of(setup, role="registry_clerk", department=False)
    page = staff_client(registry).get("/backoffice/sprawy/")
    assert page.status_code == 200
    for case in cases:
        assert case.sign in page.content.decode()
    other = make_service(office=setup.office, symbol="GK", slug="drugi")
    head_elsewhere = clerk_of(other, role="head")
    unassigned = worklist_cases(staff=head_elsewhere, key="unassigned")
    assert {c.pk for c in unassigned} == {c.pk for c in cases}
    clerk_of(setup)  # once the department has a clerk, the other head no longer sees it
    assert not worklist_cases(staff=head_elsewhere, key="unassigned").exists()


def test_every_staff_screen_shares_the_layout_and_menu_with_counts(office):
    setup, _applicant, _cases = office
    clerk = clerk_of(setup)
    client = staff_client(clerk)
    for url in ("/backoffice/sprawy/lista/department/", "/backoffice/", "/backoffice/tozsamosc/"):
        page = client.get(url).content.decode()
        assert 'class="staff-nav"' in page, url
        assert "/backoffice/sprawy/lista/overdue/" in page
    page = client.get("/backoffice/sprawy/lista/department/").content.decode()
    assert 'aria-current="page"' in page
    assert '<span class="badge">3<span class="visually-hidden">' in page
    assert "/backoffice/pki/" not in page  # not a CA operator


def test_filters_sorting_and_search_box(office):
    setup, _applicant, (first, second, _third) = office
    clerk = clerk_of(setup)
    Case.objects.filter(pk=first.pk).update(title="Wycinka drzewa")
    client = staff_client(clerk)
    page = client.get("/backoffice/sprawy/lista/department/", {"q": "wycinka"}).content.decode()
    assert first.sign in page and second.sign not in page
    page = client.get("/backoffice/sprawy/lista/department/", {"sort": "-opened"}).content
    assert page.decode().index(second.sign) < page.decode().index(first.sign)
    assert client.get("/backoffice/sprawy/lista/nope/").status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "incoming",
        "mine",
        "department",
        "unassigned",
        "due_soon",
        "overdue",
        "waiting",
        "suspended",
        "to_approve",
        "to_sign",
        "to_dispatch",
    ],
)
def test_list_pages_have_a_pinned_query_count(office, django_assert_num_queries, key):
    setup, applicant, _cases = office
    registry = clerk_of(setup, role="registry_clerk", department=False)
    StaffMembership.objects.create(
        user=registry, office=setup.office, department=setup.department, role="head"
    )
    client = staff_client(registry)
    client.get(f"/backoffice/sprawy/lista/{key}/")  # warm the session and caches
    today = timezone.localdate()
    for n in range(10, 16):
        case = make_case(setup, applicant, n)
        Case.objects.filter(pk=case.pk).update(
            assignee=registry if n % 2 else None,
            deadline=today + dt.timedelta(days=2 if n % 3 else -2),
        )
    # session, user, OTP device; the person's scope (memberships with roles and deputies, one
    # statement); the page's rows (keyset: no page count), departments filter; menu: work-list
    # counts (the entries' permission reads and ESP offices are cached since the first page)
    with django_assert_num_queries(7):
        assert client.get(f"/backoffice/sprawy/lista/{key}/").status_code == 200


def test_other_office_clerk_gets_nothing(office):
    _setup, _applicant, cases = office
    elsewhere = make_service(symbol="OR")
    stranger = clerk_of(elsewhere, role="registry_clerk", department=False)
    assert all(v == 0 for v in worklist_counts(staff=stranger).values())
    assert staff_client(stranger).get(f"/backoffice/sprawy/{cases[0].pk}/").status_code == 404


def test_registry_clerk_of_the_registry_department_sees_the_whole_offices_incoming(office):
    """The demo's registry clerk works in the department KA (kancelaria): the registry still
    receives for the whole office (it saw no incoming mail before)."""
    setup, _applicant, cases = office
    registry_department = DepartmentFactory(office=setup.office, symbol="KA", name="Kancelaria")
    registry = StaffFactory()
    StaffMembership.objects.create(
        user=registry, office=setup.office, department=registry_department, role="registry_clerk"
    )
    incoming = worklist_cases(staff=registry, key="incoming")
    assert {c.pk for c in incoming} == {c.pk for c in cases}
    head_of_other = StaffFactory()
    StaffMembership.objects.create(
        user=head_of_other, office=setup.office, department=registry_department, role="head"
    )
    assert not worklist_cases(staff=head_of_other, key="incoming").exists()  # not the registry


@pytest.mark.parametrize(
    "sort", ["", "deadline", "-deadline", "opened", "-opened", "sign", "status"]
)
def test_pages_follow_each_other_in_every_order(office, sort):
    """Keyset pagination: the pages, read one after the other through their ``next`` cursor,
    are the whole list in its order, each row once, also over empty deadlines and ties."""
    setup, applicant, cases = office
    cases += [make_case(setup, applicant, n) for n in range(3, 7)]
    clerk = clerk_of(setup)
    today = timezone.localdate()
    deadlines = [None, today, today, None, today - dt.timedelta(days=3), today, None]
    opened = timezone.now() - dt.timedelta(days=1)
    for n, (case, deadline) in enumerate(zip(cases, deadlines, strict=True)):
        Case.objects.filter(pk=case.pk).update(
            deadline=deadline,
            opened_at=opened if n % 3 else opened - dt.timedelta(hours=n),
            status="in_progress" if n % 2 else "open",
        )
    whole = list(
        worklist_cases(staff=clerk, key="department", sort=sort).values_list("pk", flat=True)
    )
    assert sorted(whole) == sorted(c.pk for c in cases)
    seen, after, start = [], "", 0
    for _ in range(10):
        page = worklist_page(
            staff=clerk, key="department", sort=sort, after=after, start=start, size=2
        )
        assert page.start == start
        seen += [c.pk for c in page.cases]
        if not page.next_cursor:
            break
        after, start = page.next_cursor, page.end
    assert seen == whole


def test_a_broken_cursor_gives_the_first_page(office):
    setup, _applicant, _cases = office
    clerk = clerk_of(setup)
    first = worklist_page(staff=clerk, key="department", size=2)
    for after in ("nonsense", "W10", "WyJ4IiwgMSwgMl0", first.next_cursor[:-3]):
        page = worklist_page(staff=clerk, key="department", after=after, start=40, size=2)
        assert [c.pk for c in page.cases] == [c.pk for c in first.cases] and page.first


def test_list_page_links_to_the_next_page(office, monkeypatch):
    setup, _applicant, cases = office
    monkeypatch.setattr("documents.selectors.worklists.PAGE_SIZE", 2)
    client = staff_client(clerk_of(setup))
    page = client.get("/backoffice/sprawy/lista/department/", {"sort": "sign"}).content.decode()
    signs = sorted(c.sign for c in cases)
    assert signs[0] in page and signs[1] in page and signs[2] not in page
    assert "Sprawy 1–2" in page and "Pierwsza strona" not in page
    link = re.search(r'<a href="\?([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    page = client.get(f"/backoffice/sprawy/lista/department/?{link}").content.decode()
    assert signs[2] in page and signs[0] not in page
    assert "Sprawy 3–3" in page and "Pierwsza strona" in page and 'rel="next"' not in page


def test_menu_counts_are_capped(office, monkeypatch):
    """Counts stop at the cap (the menu then shows "99+" for the cap of 100)."""
    setup, _applicant, _cases = office
    clerk = clerk_of(setup)
    assert worklist_counts(staff=clerk, cap=2)["department"] == 2
    assert worklist_counts(staff=clerk, cap=4)["department"] == 3
    client = staff_client(clerk)
    monkeypatch.setattr("documents.selectors.worklists.COUNT_CAP", 3)
    page = client.get("/backoffice/sprawy/lista/department/").content.decode()
    assert '<span class="badge">2+<span class="visually-hidden">' in page
    monkeypatch.setattr("documents.selectors.worklists.COUNT_CAP", 4)
    page = client.get("/backoffice/sprawy/lista/department/").content.decode()
    assert '<span class="badge">3<span class="visually-hidden">' in page


def test_list_rows_and_filters_are_escaped_and_keep_the_choice(office):
    """The rows and the filters' options are built in Python (format_html): still escaped,
    the chosen option still marked."""
    setup, _applicant, (first, _second, _third) = office
    clerk = clerk_of(setup)
    Case.objects.filter(pk=first.pk).update(title='<script>alert("x")</script> & co')
    page = staff_client(clerk).get(
        "/backoffice/sprawy/lista/department/",
        {"status": "open", "sort": "sign", "department": setup.department.pk},
    )
    html = page.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert f'<a href="/backoffice/sprawy/{first.pk}/">{first.sign}</a>' in html
    assert '<option value="open" selected>' in html
    assert '<option value="sign" selected>' in html
    assert f'<option value="{setup.department.pk}" selected>' in html
    start = html.index('class="worklist-filters"')
    filters = html[start : html.index("</form>", start)]
    assert filters.count(" selected>") == 3


def test_menu_grants_are_cached_and_read_again_after_any_change(office):
    """The menu's entries from other apps' checks are cached per person, and a permission,
    group, office permission or membership granted or taken away shows on the next page."""
    from django.contrib.auth.models import Group, Permission
    from django.urls import reverse
    from guardian.shortcuts import assign_perm, remove_perm

    setup, _applicant, _cases = office
    clerk = clerk_of(setup)
    client = staff_client(clerk)
    designer = f'href="{reverse("forms_platform:designer")}"'
    esp = f'href="{reverse("documents:backoffice_esp_tokens", args=[setup.office.terc])}"'
    workflows = f'href="{reverse("documents:backoffice_workflows")}"'

    def page() -> str:
        return client.get("/backoffice/sprawy/lista/department/").content.decode()

    assert designer not in page() and esp not in page() and workflows not in page()
    manage = Permission.objects.get(
        codename="manage_forms", content_type__app_label="forms_platform"
    )
    clerk.user_permissions.add(manage)
    assert designer in page()
    clerk.user_permissions.remove(manage)
    assert designer not in page()
    group = Group.objects.create(name="designers")
    clerk.groups.add(group)
    assert designer not in page()
    group.permissions.add(manage)
    assert designer in page()
    clerk.groups.remove(group)
    assert designer not in page()
    assign_perm("offices.manage_office", clerk, setup.office)
    assert esp in page()
    remove_perm("offices.manage_office", clerk, setup.office)
    assert esp not in page()
    admin = StaffMembership.objects.create(user=clerk, office=setup.office, role="office_admin")
    assert workflows in page()
    admin.delete()
    assert workflows not in page()


def test_a_list_page_reads_only_its_columns_and_no_row_more(office):
    """The rows read only what they show or order by (no query per row afterwards)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    setup, _applicant, cases = office
    clerk = clerk_of(setup)
    Case.objects.filter(pk=cases[0].pk).update(assignee=clerk)
    for sort in ("", "deadline", "-deadline", "opened", "-opened", "sign", "status"):
        page = worklist_page(staff=clerk, key="department", sort=sort, size=2)
        with CaptureQueriesContext(connection) as queries:
            html = worklist_rows(cases=page.cases, case_url="/x/")
            assert page.next_cursor
        assert not queries.captured_queries, sort
        assert html.count("<tr>") == 2
    with CaptureQueriesContext(connection) as queries:
        worklist_page(staff=clerk, key="department")
        worklist_page(staff=clerk, key="department", q="a")  # built by the ORM
    for query in queries.captured_queries[-2:]:
        assert "search_text" not in query["sql"] and "pesel" not in query["sql"]


def test_every_open_case_index_holds_the_columns_the_visibility_rule_reads():
    """The menu's capped counts are read from the work-list indexes alone only where each
    index holds, besides its own range, every column the visibility rule reads (office,
    department, handler): without the handler, the unassigned count was read from the
    handlers' index across every office (1 million cases: 0.6 of the counts' 1.9 ms)."""
    partial = [index for index in Case._meta.indexes if index.condition is not None]
    assert {index.name for index in partial} >= {
        "documents_case_open_dept",
        "documents_case_open_office",
        "documents_case_open_assignee",
        "documents_case_open_status",
        "documents_case_unassigned",
    }
    for index in partial:
        assert {"office", "department", "assignee"} <= set(index.fields), index.name
