"""Search looks up each way a person sees cases on its own and merges the pages: it finds
exactly the cases ``cases_visible_to`` lists (department, office-wide role, assigned, deputy
inside the absence window, shared, opinion asked, unstaffed department of a head), the newest
first, each once; and it follows every change of what is searched or who sees a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from guardian.shortcuts import assign_perm

from documents.models import Case, Opinion
from documents.selectors import search
from documents.selectors.search import cases_search
from documents.selectors.visibility import cases_visible_to
from documents.services.search import case_search_index
from documents.tests.fixtures import clerk_of, make_case, make_service
from offices.models import Deputy
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEWEST_FIRST = ("-opened_at", "-pk")


@pytest.fixture
def office(db, pki_dir):
    """One office: departments OR (4 cases), GK (3), UN (2, nobody works there), RP (none);
    another office with one case. Every case's title says "Wniosek"."""
    or_ = make_service(symbol="OR")
    office = or_.office
    gk = make_service(office=office, symbol="GK", slug="gk")
    un = make_service(office=office, symbol="UN", slug="un")
    rp = make_service(office=office, symbol="RP", slug="rp")
    other = make_service(symbol="OR")
    applicant = UserFactory(first_name="Zdzisław", last_name="Żółkiewski")
    cases = {
        "or": [make_case(or_, applicant, n) for n in range(1, 5)],
        "gk": [make_case(gk, applicant, n) for n in range(5, 8)],
        "un": [make_case(un, applicant, n) for n in range(8, 10)],
        "other": [make_case(other, applicant, 10)],
    }
    return {"or": or_, "gk": gk, "un": un, "rp": rp, "other": other}, cases


def found(staff, q: str, **filters) -> list[int]:
    return [row.pk for row in cases_search(staff=staff, q=q, **filters)]


def people(services, cases) -> dict[str, object]:
    """One person for each way of seeing cases (and a stranger of the other office)."""
    gk_clerk = clerk_of(services["gk"])
    Case.objects.filter(pk=cases["or"][0].pk).update(assignee=gk_clerk)
    deputy = clerk_of(services["rp"])
    now = timezone.now()
    Deputy.objects.create(
        office=services["or"].office,
        principal=gk_clerk,
        deputy=deputy,
        valid_from=now - dt.timedelta(hours=1),
        valid_to=now + dt.timedelta(days=1),
    )
    late_deputy = clerk_of(services["rp"])
    Deputy.objects.create(
        office=services["or"].office,
        principal=gk_clerk,
        deputy=late_deputy,
        valid_from=now + dt.timedelta(days=1),
        valid_to=now + dt.timedelta(days=2),
    )
    lawyer = clerk_of(services["rp"])
    assign_perm("documents.view_case", lawyer, cases["gk"][1])
    assign_perm("documents.view_case", lawyer, cases["other"][0])  # another office: never
    expert = clerk_of(services["rp"])
    Opinion.objects.create(
        case=cases["gk"][2],
        clerk=expert,
        question="?",
        due_on=dt.date.today(),
        requested_by=gk_clerk,
        requested_at=now,
    )
    return {
        "department clerk": clerk_of(services["or"]),
        "assigned from another department": gk_clerk,
        "deputy inside the window": deputy,
        "deputy before the window": late_deputy,
        "shared with": lawyer,
        "opinion asked": expert,
        "head (unstaffed UN)": clerk_of(services["rp"], role="head"),
        "registry clerk": clerk_of(services["or"], role="registry_clerk", department=False),
        "other office": clerk_of(services["other"]),
    }


@pytest.mark.parametrize(
    ("frequent", "cap"), [(0.0, 4000), (0.0, 1), (2.0, 4000)], ids=["walk", "walk-1", "gin"]
)
def test_search_finds_exactly_the_visible_cases_newest_first(office, frequent, cap, monkeypatch):
    """Each way of reading a way's cases (PostgreSQL): a walk in date order (every word
    taken as frequent), a walk of one case and the GIN index for the older ones, and the
    GIN index alone (every word taken as rare)."""
    monkeypatch.setattr(search, "FREQUENT", frequent)
    monkeypatch.setattr(search, "CAP", cap)
    services, cases = office
    for label, person in people(services, cases).items():
        visible = list(
            cases_visible_to(staff=person).order_by(*NEWEST_FIRST).values_list("pk", flat=True)
        )
        assert bool(visible) == (label != "deputy before the window"), label
        assert found(person, "wniosek", limit=100) == visible, label
        assert found(person, "wniosek", limit=2) == visible[:2], label
        assert found(person, "nieistniejące") == [], label


def test_a_case_seen_in_two_ways_is_found_once(office):
    services, cases = office
    clerk = clerk_of(services["or"])
    Case.objects.filter(pk__in=[c.pk for c in cases["or"]]).update(assignee=clerk)
    assert sorted(found(clerk, "wniosek", limit=100)) == sorted(c.pk for c in cases["or"])


def test_search_follows_reassignment_department_move_and_new_text(office):
    services, cases = office
    or_clerk, gk_clerk = clerk_of(services["or"]), clerk_of(services["gk"])
    case = cases["or"][3]
    assert case.pk in found(or_clerk, "wniosek")
    assert case.pk not in found(gk_clerk, "wniosek")
    Case.objects.filter(pk=case.pk).update(assignee=gk_clerk)  # reassigned
    assert case.pk in found(gk_clerk, "wniosek")
    Case.objects.filter(pk=case.pk).update(
        assignee=None, department=services["gk"].department
    )  # moved to GK
    assert case.pk not in found(or_clerk, "wniosek")
    assert case.pk in found(gk_clerk, "wniosek")
    Case.objects.filter(pk=case.pk).update(title="Pozwolenie na budowę garażu")
    case.refresh_from_db()
    case_search_index(case=case)  # what the history writer does with every change
    assert case.pk in found(gk_clerk, "pozwolenie")
    assert case.pk not in found(or_clerk, "pozwolenie")
    fresh = make_case(services["or"], case.applicant, 20)  # a new case: searchable at once
    assert found(or_clerk, "wniosek 20")[:1] == [fresh.pk]


def test_filters_apply_to_every_way(office):
    services, cases = office
    registry = clerk_of(services["or"], role="registry_clerk", department=False)
    gk = services["gk"].department
    in_gk = found(registry, "wniosek", department_id=gk.pk, limit=100)
    assert sorted(in_gk) == sorted(c.pk for c in cases["gk"])
    assert found(registry, "wniosek", status="nope") == []


def test_a_words_frequency_comes_from_the_vectors_statistics(office, monkeypatch):
    """The words' lexemes looked up as the vector holds them (no diacritics, lower case), a
    prefix counting every lexeme it begins; no statistics: every word is rare."""
    assert search._lexeme("Zaświadczenie ŁÓDŹ") == "zaswiadczenie lodz"
    monkeypatch.setattr(search, "_stats", None)
    if connection.vendor != "postgresql":
        return
    monkeypatch.setattr(search, "_stats", (0.0, [], [], 0.0))  # none read (never ANALYZEd)
    monkeypatch.setattr(search, "_STATS_SECONDS", 10**9)
    assert not search._frequent(["wniosek"])
    monkeypatch.setattr(search, "_stats", None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE documents_case")
    assert search._frequency("Wniosek", prefix=False) == pytest.approx(1.0)  # every case
    assert search._frequency("wnio", prefix=True) >= search._frequency("wniosek", prefix=False)
    assert search._frequency("nieistniejące", prefix=False) < 1.0
    assert search._frequent(["wniosek"])
