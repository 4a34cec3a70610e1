"""The clerks' back office: department queues, case pages, letters; refusals across offices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import CaseEvent, InboxMessage, Letter
from documents.tests.fixtures import clerk_of, make_case, make_service
from offices.models import Deputy
from sekap.accounts.tests.factories import UserFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices(db, pki_dir):
    a = make_service(symbol="OR")
    b = make_service(symbol="OR")
    applicant = UserFactory()
    return a, b, make_case(a, applicant, 1), make_case(b, applicant, 2), applicant


def test_clerk_sees_only_own_office_department_cases(client, two_offices):
    a, _b, case_a, case_b, _applicant = two_offices
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    queue = client.get("/backoffice/sprawy/")
    assert queue.status_code == 200
    assert case_a.sign.encode() in queue.content
    assert f"/backoffice/sprawy/{case_b.pk}/".encode() not in queue.content
    page = client.get(f"/backoffice/sprawy/{case_a.pk}/")
    assert page.status_code == 200
    assert "podpis: ważny" in " ".join(page.content.decode().split())  # words, not TOTAL_PASSED
    assert "TOTAL_PASSED" not in page.content.decode()
    assert client.get(f"/backoffice/sprawy/{case_b.pk}/").status_code == 404
    own = case_a.submissions.get()
    download = client.get(f"/backoffice/sprawy/{case_a.pk}/dokumenty/{own.public_id}.xml")
    assert download.status_code == 200 and download.content == bytes(own.document)
    other = case_b.submissions.get()
    assert (
        client.get(f"/backoffice/sprawy/{case_a.pk}/dokumenty/{other.public_id}.xml").status_code
        == 404
    )
    assert (
        client.get(f"/backoffice/sprawy/{case_b.pk}/dokumenty/{other.public_id}.xml").status_code
        == 404
    )
    assert client.post(f"/backoffice/sprawy/{case_b.pk}/przyjmij/").status_code == 404
    refused = client.post(
        f"/backoffice/sprawy/{case_b.pk}/pismo/",
        {"kind": "letter", "title": "Pismo", "body": "Treść"},
    )
    assert refused.status_code == 404
    assert not Letter.objects.exists()
    case_b.refresh_from_db()
    assert case_b.assignee is None


def staff_client(user) -> Client:
    client = Client()
    login_with_second_factor(client, user)
    return client


def test_other_department_sees_nothing_but_deputy_and_head_do(two_offices):
    a, _b, case_a, _case_b, _applicant = two_offices
    other = make_service(office=a.office, symbol="GK", slug="drugi-formularz")
    outsider = clerk_of(other)
    outsider_client = staff_client(outsider)
    assert outsider_client.get(f"/backoffice/sprawy/{case_a.pk}/").status_code == 404
    handler = clerk_of(a)
    staff_client(handler).post(f"/backoffice/sprawy/{case_a.pk}/przyjmij/")
    case_a.refresh_from_db()
    assert case_a.assignee == handler and case_a.status == "formal_check"
    now = timezone.now()
    Deputy.objects.create(
        office=a.office,
        principal=handler,
        deputy=outsider,
        valid_from=now - dt.timedelta(hours=1),
        valid_to=now + dt.timedelta(days=1),
    )
    assert outsider_client.get(f"/backoffice/sprawy/{case_a.pk}/").status_code == 200
    head = clerk_of(a, role="head", department=False)
    assert staff_client(head).get(f"/backoffice/sprawy/{case_a.pk}/").status_code == 200


def test_citizen_cannot_enter_back_office(client, two_offices):
    _a, _b, case_a, _case_b, applicant = two_offices
    client.force_login(applicant)
    assert client.get("/backoffice/sprawy/").status_code in (302, 403)
    assert client.get(f"/backoffice/sprawy/{case_a.pk}/").status_code in (302, 403)


def test_letter_form_errors_then_sealed_letter_sent(client, two_offices, sekap_trust, english):
    a, _b, case_a, _case_b, applicant = two_offices
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    assert client.post(f"/backoffice/sprawy/{case_a.pk}/przyjmij/").status_code == 302
    url = f"/backoffice/sprawy/{case_a.pk}/pismo/"
    bad = client.post(url, {"kind": "supplement", "title": "Wezwanie", "body": "Uzupełnij."})
    assert bad.status_code == 400
    assert b'class="error-summary"' in bad.content
    assert not Letter.objects.exists()
    every = [str(p.pk) for p in case_a.parties.all()]  # the party picker, all ticked
    good = client.post(
        url,
        {
            "kind": "supplement",
            "title": "Wezwanie",
            "body": "Uzupełnij.",
            "supplement_days": "7",
            "recipients": every,
        },
    )
    assert good.status_code == 302
    letter = Letter.objects.get()
    case_a.refresh_from_db()
    # the term runs from delivery: no date yet, and the clock stopped
    assert case_a.status == "waiting" and letter.supplement_due is None
    assert letter.supplement_call.days == 7 and case_a.deadline is None
    assert InboxMessage.objects.get(letter=letter).recipient == applicant
    assert CaseEvent.objects.filter(case=case_a, action="sent_supplement").exists()
    assert AuditEntry.objects.filter(action="documents.letter_sent").count() == 1
    from signatures import services as signatures

    assert signatures.validate(bytes(letter.xml)).indication == "TOTAL_PASSED"


def test_queue_page_query_count_does_not_grow(client, two_offices):
    a, _b, _case_a, _case_b, applicant = two_offices
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    client.get("/backoffice/sprawy/")  # the menu's grants are read once, then cached
    with CaptureQueriesContext(connection) as one:
        assert client.get("/backoffice/sprawy/").status_code == 200
    for n in range(10, 20):
        make_case(a, applicant, n)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/backoffice/sprawy/")
    assert response.content.count(b"/backoffice/sprawy/") >= 11
    assert len(many) == len(one)
