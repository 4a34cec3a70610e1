"""Search and authorization: a clerk of office A never sees office B's cases, by any page, the
API or search; a deputy sees the absent clerk's cases only inside the absence window; the
metryka names people with their positions and refuses changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from documents.models import Case, CaseEvent
from documents.selectors import search
from documents.selectors.search import cases_search
from documents.selectors.visibility import cases_visible_to
from documents.services.history import case_event
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case, staff_client
from offices.models import Deputy, StaffMembership
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(db, pki_dir):
    a = make_service(symbol="OR")
    b = make_service(symbol="OR")
    applicant = UserFactory(first_name="Zdzisław", last_name="Żółkiewski")
    case_a = make_case(a, applicant, 1)
    case_b = make_case(b, applicant, 2)
    Case.objects.filter(pk=case_b.pk).update(title="Wycinka drzew w Gliwicach")
    case_b.refresh_from_db()
    from documents.services.search import case_search_index

    case_search_index(case=case_b)
    return a, b, case_a, case_b


def found(staff, q: str) -> list[int]:
    return [row.pk for row in cases_search(staff=staff, q=q)]


def test_search_finds_by_sign_title_party_and_ignores_diacritics(offices):
    _a, b, _case_a, case_b = offices
    clerk_b = clerk_of(b)
    queries = [case_b.sign, "wycinka", "drzew gliwic", "Żółkiewski"]
    if connection.vendor == "postgresql":  # full text ignores diacritics (SQLite: substrings)
        queries += ["zolkiewski", "ZDZISLAW zolk"]
    for q in queries:
        assert found(clerk_b, q) == [case_b.pk], q
    assert found(clerk_b, "nieistniejące") == []


@pytest.mark.parametrize("frequent", [0.0, 2.0], ids=["walk", "gin"])
def test_every_word_must_match_the_last_as_a_prefix(offices, frequent, monkeypatch):
    """Several words: every word must match, the last one completes (PostgreSQL: read in
    date order, or the rarest word looked up in the index and the whole query checked on the
    rows it finds)."""
    monkeypatch.setattr(search, "FREQUENT", frequent)
    _a, b, _case_a, case_b = offices
    clerk_b = clerk_of(b)
    for q in ("wycinka gliwicach", "wycinka gliw", "- wycinka", "drzew w gliwicach"):
        assert found(clerk_b, q) == [case_b.pk], q
    missing = ["wycinka nieistniejące", "gliwicach wycinkaa"]
    if connection.vendor == "postgresql":  # SQLite matches every word as a substring
        missing.append("wyci gliwicach")
    for q in missing:
        assert found(clerk_b, q) == [], q


def test_clerk_of_office_a_finds_nothing_of_office_b_by_any_way(offices):
    a, _b, case_a, case_b = offices
    clerk_a = clerk_of(a, role="registry_clerk", department=False)
    assert list(cases_visible_to(staff=clerk_a)) == [case_a]
    for q in (case_b.sign, "wycinka", "Żółkiewski"):
        assert case_b.pk not in found(clerk_a, q)
    client = staff_client(clerk_a)
    page = client.get("/backoffice/sprawy/szukaj/", {"q": "Żółkiewski"})
    assert page.status_code == 200
    link_a, link_b = (f'href="/backoffice/sprawy/{c.pk}/"' for c in (case_a, case_b))
    assert link_a in page.content.decode() and link_b not in page.content.decode()
    assert client.get(f"/backoffice/sprawy/{case_b.pk}/").status_code == 404
    for key in ("incoming", "department", "unassigned", "mine", "overdue"):
        listed = client.get(f"/backoffice/sprawy/lista/{key}/").content.decode()
        assert link_b not in listed
    document = case_b.submissions.get()
    assert (
        client.get(f"/backoffice/sprawy/{case_b.pk}/dokumenty/{document.public_id}.xml").status_code
        == 404
    )
    api = client.get("/api/v1/submissions/", HTTP_ACCEPT="application/json")
    assert str(document.public_id) not in api.content.decode()
    assert client.get(f"/api/v1/submissions/{document.public_id}").status_code in (401, 403, 404)


def test_deputy_sees_absent_clerks_cases_only_inside_the_window(offices):
    a, _b, case_a, _case_b = offices
    other = make_service(office=a.office, symbol="GK", slug="inny")
    principal = clerk_of(a)
    deputy = clerk_of(other)
    Case.objects.filter(pk=case_a.pk).update(assignee=principal)
    now = timezone.now()
    Deputy.objects.create(
        office=a.office,
        principal=principal,
        deputy=deputy,
        valid_from=now + dt.timedelta(days=1),
        valid_to=now + dt.timedelta(days=3),
    )
    assert not cases_visible_to(staff=deputy).filter(pk=case_a.pk).exists()  # before
    inside = now + dt.timedelta(days=2)
    assert cases_visible_to(staff=deputy, at=inside).filter(pk=case_a.pk).exists()
    after = now + dt.timedelta(days=3, seconds=1)
    assert not cases_visible_to(staff=deputy, at=after).filter(pk=case_a.pk).exists()
    assert staff_client(deputy).get(f"/backoffice/sprawy/{case_a.pk}/").status_code == 404


def test_a_case_shared_with_one_person_is_visible_to_them_only_in_its_office(offices):
    from guardian.shortcuts import assign_perm

    a, b, case_a, _case_b = offices
    lawyer = clerk_of(make_service(office=a.office, symbol="RP", slug="prawnik"))
    assert not cases_visible_to(staff=lawyer).filter(pk=case_a.pk).exists()
    assign_perm("documents.view_case", lawyer, case_a)
    assert cases_visible_to(staff=lawyer).filter(pk=case_a.pk).exists()
    stranger = clerk_of(b)
    assign_perm("documents.view_case", stranger, case_a)  # another office: still nothing
    assert not cases_visible_to(staff=stranger).filter(pk=case_a.pk).exists()


def test_metryka_names_position_and_deputy_and_is_append_only(offices):
    a, _b, case_a, _case_b = offices
    clerk = clerk_of(a)
    StaffMembership.objects.filter(user=clerk).update(position="Inspektor")
    absent = clerk_of(a)
    event = case_event(case=case_a, action="assigned", params={}, actor=clerk, on_behalf_of=absent)
    assert event.actor_position == "Inspektor"
    assert event.on_behalf_of_label == (absent.get_full_name() or absent.email)
    head = clerk_of(a, role="head")  # no position written: the role's name stands for it
    line = case_event(case=case_a, action="assigned", params={}, actor=head)
    assert line.actor_position == head.memberships.get().get_role_display()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(description="changed")
    assert CaseEvent.objects.get(pk=event.pk).description != "changed"


def test_search_page_has_a_pinned_query_count(offices, django_assert_num_queries):
    a, _b, case_a, _case_b = offices
    clerk = clerk_of(a)
    client = staff_client(clerk)
    client.get("/backoffice/sprawy/szukaj/", {"q": "Wniosek"})
    for n in range(10, 14):
        make_case(a, case_a.applicant, n)
    # session, user, OTP; scope (memberships and deputies, one statement); results; the
    # form's departments with their offices' names (one query for both selects); menu:
    # work-list counts (its permission reads and ESP offices cached)
    with django_assert_num_queries(7):
        page = client.get("/backoffice/sprawy/szukaj/", {"q": "Wniosek"})
    assert page.content.decode().count('href="/backoffice/sprawy/') >= 5


def test_search_page_rows_and_filters_are_escaped_and_keep_what_was_asked(offices):
    """The rows and the selects are built in Python (format_html): every value escaped, the
    asked office, department and status selected again, the other fields filled again."""
    _a, b, _case_a, case_b = offices
    Case.objects.filter(pk=case_b.pk).update(title="Wycinka <b>drzew</b> & krzewów")
    case_b.refresh_from_db()
    from documents.services.search import case_search_index

    case_search_index(case=case_b)
    clerk = clerk_of(b)
    client = staff_client(clerk)
    asked = {
        "q": "wycinka",
        "office": case_b.office_id,
        "department": case_b.department_id,
        "status": case_b.status,
        "opened_from": "2000-01-01",
    }
    html = client.get("/backoffice/sprawy/szukaj/", asked).content.decode()
    assert "Wycinka &lt;b&gt;drzew&lt;/b&gt; &amp; krzewów" in html
    assert f'href="/backoffice/sprawy/{case_b.pk}/">{case_b.sign}</a>' in html
    assert f"<td>{case_b.office.name}</td>" in html
    for name in ("office", "department"):
        assert f'<option value="{asked[name]}" selected>' in html, name
    assert f'<option value="{case_b.status}" selected>' in html
    assert 'name="q" id="id_q" maxlength="200" required value="wycinka"' in html
    assert 'id="id_opened_from" value="2000-01-01"' in html
    form = html.split('role="search"')[1].split("</form>")[0]
    assert form.count(" selected>") == 3
    # an invalid form: 400, the error summary linking to the field, the field's message
    page = client.get("/backoffice/sprawy/szukaj/", {"q": "", "status": "nonsense"})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_q"' in html
    assert 'id="id_status_error"' in html
