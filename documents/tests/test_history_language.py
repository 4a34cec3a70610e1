"""Case history lines and platform notices are stored as data and said in the reader's
language (Portal item 14); the Polish sentence stays the text of record."""

from __future__ import annotations

import html

import pytest

from documents import services
from documents.models import CaseEvent, InboxMessage, Submission
from documents.services import cases, intake
from documents.tests.fixtures import document_for
from offices.models import StaffMembership
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.datetimes import polish_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(setup, citizen):
    submission = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup)),
        idempotency_key="lang",
        channel="portal",
    )
    intake.intake_process(submission_id=submission.pk)
    submission = Submission.objects.get(pk=submission.pk)
    clerk = StaffFactory()
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    cases.case_take(case=submission.case, clerk=clerk)
    return submission, clerk


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


def _facts(submission):
    case = submission.case
    rpw = CaseEvent.objects.get(case=case, action="received").params["rpw"]
    notice = InboxMessage.objects.get(case=case, notice="case_opened")
    return case, rpw, notice


def test_history_and_notice_are_in_english_for_an_english_reader(client, filed, setup, citizen):
    submission, _clerk = filed
    case, rpw, notice = _facts(submission)
    client.force_login(citizen.user)
    page = _text(client.get(f"/sprawy/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"The application was received and registered ({rpw})." in page
    assert f"The case was opened and passed to the department {setup.department.name}." in page
    assert "A clerk started handling the case." in page
    assert "Wniosek wpłynął" not in page
    inbox = _text(client.get("/skrzynka/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"Your case {case.sign} was opened" in inbox
    assert "Założono Twoją sprawę" not in inbox
    message = _text(client.get(f"/skrzynka/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    office = notice.params["office"]
    assert (
        f"Your document “{submission.title}” was registered by {office} in case {case.sign}. "
        f"The office should deal with it by {polish_date(case.deadline)}."
    ) in message


def test_history_and_notice_are_in_polish_by_default(client, filed, setup, citizen):
    submission, clerk = filed
    case, rpw, notice = _facts(submission)
    client.force_login(citizen.user)
    page = _text(client.get(f"/sprawy/{case.pk}/"))
    assert f"Wniosek wpłynął i został zarejestrowany ({rpw})." in page
    assert f"Założono sprawę i przekazano ją do komórki {setup.department.name}." in page
    assert "Urzędnik rozpoczął prowadzenie sprawy." in page
    inbox = _text(client.get("/skrzynka/"))
    assert f"Założono Twoją sprawę {case.sign}" in inbox
    message = _text(client.get(f"/skrzynka/{notice.pk}/"))
    assert f"Urząd powinien ją załatwić do {polish_date(case.deadline)}." in message
    # the clerk's case page says it too, and in English for an English-speaking clerk
    clerk_client = client.__class__()
    login_with_second_factor(clerk_client, clerk)
    back = _text(clerk_client.get(f"/backoffice/sprawy/{case.pk}/"))
    assert f"Wniosek wpłynął i został zarejestrowany ({rpw})." in back
    back_en = _text(clerk_client.get(f"/backoffice/sprawy/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"The application was received and registered ({rpw})." in back_en


def test_the_polish_text_of_record_is_stored_whatever_the_writer_speaks(filed, english):
    submission, _clerk = filed
    case, rpw, notice = _facts(submission)
    received = CaseEvent.objects.get(case=case, action="received")
    assert received.description == f"Wniosek wpłynął i został zarejestrowany ({rpw})."
    assert received.params == {"rpw": rpw}
    assert notice.title == f"Założono Twoją sprawę {case.sign}"
    assert notice.params["deadline"] == case.deadline.isoformat()


def test_old_rows_without_values_are_shown_as_stored(client, filed, citizen):
    submission, _clerk = filed
    case, _rpw, notice = _facts(submission)
    old = CaseEvent.objects.create(
        case=case,
        at=case.opened_at,
        action="received",
        description="Wniosek wpłynął (stary wpis).",
    )
    assert old.params is None
    InboxMessage.objects.filter(pk=notice.pk).update(
        notice="", params=None, title="Stare powiadomienie"
    )
    client.force_login(citizen.user)
    page = _text(client.get(f"/sprawy/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Wniosek wpłynął (stary wpis)." in page
    inbox = _text(client.get("/skrzynka/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Stare powiadomienie" in inbox


def test_attention_reason_follows_the_reader(english):
    from documents.texts import event_text, event_text_of_record

    params = {"reason": "unconfirmed", "indication": "INDETERMINATE", "sub": "NO_POE"}
    assert (
        event_text(action="attention", params=params, stored="x")
        == "The signature could not be confirmed (INDETERMINATE NO_POE)."
    )
    assert event_text(action="attention", params={"reason": "bogus"}, stored="as stored") == (
        "as stored"
    )
    assert event_text_of_record(action="attention", params={"reason": "other_signer"}) == (
        "Dokument podpisała inna osoba niż właściciel konta."
    )


def test_api_inbox_says_platform_notices_in_the_callers_language(filed):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    submission, _clerk = filed
    case, _rpw, _notice = _facts(submission)
    api = APIClient()
    token = Token.objects.get_or_create(user=submission.submitter)[0].key
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    english = api.get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    polish = api.get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="pl").json()["results"]
    assert [m["title"] for m in english if m["kind"] == "notice"] == [
        f"Your case {case.sign} was opened"
    ]
    assert [m["title"] for m in polish if m["kind"] == "notice"] == [
        f"Założono Twoją sprawę {case.sign}"
    ]
