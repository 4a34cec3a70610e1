"""The archive and deadline pages: who sees what, what they do, and their pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import CaseClosure, CaseSuspension, DelayComplaint, TransferList
from documents.services import archive
from documents.services import deadlines as clock
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from offices.selectors import offices_managed_by
from sekap.accounts.tests.factories import UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world(db, pki_dir):
    a = make_service(symbol="OR", jrwa="5362")
    b = make_service(symbol="OR", jrwa="5362")
    return a, b


def _closed(setup, n: int, closed_on: dt.date):
    case = make_case(setup, UserFactory(), n)
    archive.case_close(case=case, actor=clerk_of(setup), result="decided")
    CaseClosure.objects.filter(case=case).update(
        closed_on=closed_on,
        retention_until=archive.retention_until(category="B10", closed_on=closed_on),
    )
    return case


def _lists(setup, count: int, first: int):
    clerk = clerk_of(setup)
    made = []
    for i in range(count):
        _closed(setup, first + i, D(2014 + i, 3, 3))
        made.append(
            archive.transfer_list_create(
                department=setup.department, actor=clerk, closed_until=D(2014 + i, 12, 31)
            )
        )
    return made


def test_archive_lists_are_seen_only_by_the_offices_clerks_and_archivist(client, world):
    a, b = world
    mine = _lists(a, 2, 1)
    theirs = _lists(b, 1, 50)
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    page = client.get("/backoffice/archiwum/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/backoffice/archiwum/spisy/{mine[0].pk}/" in text
    assert f"/backoffice/archiwum/spisy/{theirs[0].pk}/" not in text
    for suffix in ("", "pdf", "csv"):
        assert client.get(f"/backoffice/archiwum/spisy/{theirs[0].pk}/{suffix}").status_code == 404
    detail = client.get(f"/backoffice/archiwum/spisy/{mine[0].pk}/")
    assert detail.status_code == 200 and "Odpisy aktów stanu cywilnego" in detail.content.decode()
    csv_text = client.get(f"/backoffice/archiwum/spisy/{mine[0].pk}/csv").content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[1].split(",") == [
        "1",
        "OR.5362",
        "Odpisy aktów stanu cywilnego",
        str(timezone.localdate().year),
        str(timezone.localdate().year),
        "2014",
        "B10",
        "1",
    ]
    pdf = client.get(f"/backoffice/archiwum/spisy/{mine[0].pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # a clerk cannot accept for the archive; nothing changes
    assert client.post(f"/backoffice/archiwum/spisy/{mine[0].pk}/przyjmij/").status_code == 302
    assert TransferList.objects.get(pk=mine[0].pk).accepted_at is None


def test_a_staff_member_without_a_role_in_the_office_sees_no_archive(client, world):
    a, _b = world
    _lists(a, 1, 1)
    outsider = clerk_of(a, role="office_admin", department=False)
    login_with_second_factor(client, outsider)
    assert client.get("/backoffice/archiwum/").status_code == 404
    assert (
        client.get(f"/backoffice/archiwum/spisy/{TransferList.objects.get().pk}/").status_code
        == 404
    )


def test_making_accepting_and_proposing_through_the_pages(client, world):
    a, _b = world
    _closed(a, 1, D(2014, 3, 3))
    archivist = clerk_of(a, role="archivist", department=False)
    login_with_second_factor(client, archivist)
    made = client.post(
        "/backoffice/archiwum/spisy/nowy/",
        {"department": a.department.pk, "closed_until": "2014-12-31"},
    )
    transfer = TransferList.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/spisy/{transfer.pk}/")
    client.post(f"/backoffice/archiwum/spisy/{transfer.pk}/przyjmij/")
    assert TransferList.objects.get().accepted_by == archivist
    again = client.post(
        "/backoffice/archiwum/spisy/nowy/",
        {"department": a.department.pk, "closed_until": "2014-12-31"},
    )
    assert again.status_code == 400 and "Brak akt spraw zakończonych" in again.content.decode()
    proposed = client.post(
        "/backoffice/archiwum/brakowanie/nowy/",
        {"office": a.office.pk, "as_of": timezone.localdate().isoformat()},
    )
    assert proposed.status_code == 302
    pk = proposed["Location"].rstrip("/").split("/")[-1]
    page = client.get(f"/backoffice/archiwum/brakowanie/{pk}/")
    assert page.status_code == 200 and "nic nie jest usuwane" in page.content.decode()
    decided = client.post(
        f"/backoffice/archiwum/brakowanie/{pk}/", {"approved": "1", "reference": "AP.4231.1"}
    )
    assert decided.status_code == 302
    assert "AP.4231.1" in client.get(f"/backoffice/archiwum/brakowanie/{pk}/").content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_archive_home_query_count_is_pinned(client, world, django_assert_num_queries, count):
    a, _b = world
    _lists(a, count, 1)
    archivist = clerk_of(a, role="archivist", department=False)
    login_with_second_factor(client, archivist)
    client.post(
        "/backoffice/archiwum/brakowanie/nowy/",
        {"office": a.office.pk, "as_of": timezone.localdate().isoformat()},
    )
    # The process-wide content-type caches warmed, as in a serving process: the count does not
    # depend on which tests ran before (the menu's first read of a person's office
    # permissions looks content types up, once per process).
    list(offices_managed_by(archivist))
    with django_assert_num_queries(PINNED["home"]):
        assert client.get("/backoffice/archiwum/").status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_transfer_list_page_query_count_is_pinned(client, world, django_assert_num_queries, count):
    a, _b = world
    clerk = clerk_of(a)
    for i in range(count):
        _closed(a, i + 1, D(2014 + i, 3, 3))
    transfer = archive.transfer_list_create(
        department=a.department, actor=clerk, closed_until=D(2020, 12, 31)
    )
    login_with_second_factor(client, clerk)
    with django_assert_num_queries(PINNED["transfer"]):
        assert client.get(f"/backoffice/archiwum/spisy/{transfer.pk}/").status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_deadline_worklist_query_count_is_pinned(client, world, django_assert_num_queries, count):
    a, b = world
    for i in range(count):
        case = make_case(a, UserFactory(), i + 1)
        clock.complaint_file(case=case, party=case.applicant, kind="inaction", reasons="Zwłoka.")
    other = make_case(b, UserFactory(), 99)
    clock.complaint_file(case=other, party=other.applicant, kind="inaction", reasons="Zwłoka.")
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    with django_assert_num_queries(PINNED["worklist"]):
        page = client.get("/backoffice/terminy/")
    assert page.content.decode().count("/terminy/") >= count
    assert f"/backoffice/sprawy/{other.pk}/terminy/" not in page.content.decode()
    assert DelayComplaint.objects.count() == count + 1


def test_the_case_deadline_page_stops_the_clock_and_refuses_other_offices(client, world):
    a, b = world
    case = make_case(a, UserFactory(), 1)
    login_with_second_factor(client, clerk_of(b))
    assert client.get(f"/backoffice/sprawy/{case.pk}/terminy/").status_code == 404
    assert (
        client.post(
            f"/backoffice/sprawy/{case.pk}/terminy/suspend/",
            {"suspend-basis": "art_97_98", "suspend-started_on": timezone.localdate().isoformat()},
        ).status_code
        == 404
    )
    assert not CaseSuspension.objects.exists()
    client.logout()
    login_with_second_factor(client, clerk_of(a))
    page = client.get(f"/backoffice/sprawy/{case.pk}/terminy/")
    assert page.status_code == 200
    done = client.post(
        f"/backoffice/sprawy/{case.pk}/terminy/suspend/",
        {"suspend-basis": "art_97_98", "suspend-started_on": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.deadline is None and CaseSuspension.objects.get().basis == "art_97_98"
    refused = client.post(
        f"/backoffice/sprawy/{case.pk}/terminy/call/",
        {"call-title": "Wezwanie", "call-body": "Brak.", "call-days": "6"},
    )
    assert refused.status_code == 400 and not case.supplement_calls.exists()


def test_the_party_files_a_complaint_from_the_case_page(client, world):
    a, _b = world
    case = make_case(a, UserFactory(), 1)
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(f"/sprawy/{case.pk}/ponaglenie/").status_code == 404
    client.force_login(case.applicant)
    assert f"/sprawy/{case.pk}/ponaglenie/" in client.get(f"/sprawy/{case.pk}/").content.decode()
    empty = client.post(f"/sprawy/{case.pk}/ponaglenie/", {"kind": "inaction", "reasons": ""})
    assert empty.status_code == 400 and not DelayComplaint.objects.exists()
    filed = client.post(
        f"/sprawy/{case.pk}/ponaglenie/", {"kind": "protraction", "reasons": "Sprawa stoi."}
    )
    assert filed.status_code == 302
    complaint = DelayComplaint.objects.get()
    assert (complaint.filed_by, complaint.kind) == (case.applicant, "protraction")


# Session, user, second factor and the staff menu (roles, work-list counts) included; the same
# for 1 and 3 rows.
PINNED = {"home": 13, "transfer": 12, "worklist": 11}
