"""Replying to a call for supplement starts filled in, and the confirmation names the reply
(issue 9, portal 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents import services as documents
from documents.models import Case, InboxMessage, Submission
from offices.models import StaffRole
from offices.tests.factories import MembershipFactory
from portal.models import Draft
from portal.tests.fixtures import intake, step_post
from portal.tests.test_matters import filed  # noqa: F401
from sekap.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client, filed, django_capture_on_commit_callbacks):  # noqa: F811
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    case = Case.objects.get()
    clerk = StaffFactory()
    MembershipFactory(
        user=clerk, office=case.office, department=case.department, role=StaffRole.CLERK
    )
    with django_capture_on_commit_callbacks(execute=True):
        letter = documents.letter_send(
            case=case,
            clerk=clerk,
            kind="supplement",
            title="Wezwanie do uzupełnienia",
            body="Proszę dołączyć pełnomocnictwo.",
            supplement_due=timezone.localdate() + dt.timedelta(days=7),
        )
    return letter


def test_the_call_offers_a_reply_that_starts_with_the_case_sign_kind_and_addresses(
    client, call, django_capture_on_commit_callbacks
):
    case = call.case
    message = InboxMessage.objects.get(letter=call)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/skrzynka/{message.pk}/")  # open the letter (UPD)
    page = client.get(f"/skrzynka/{message.pk}/").content.decode()
    assert f'action="/sprawy/{case.pk}/odpowiedz/"' in page
    assert f'name="letter" value="{call.public_id}"' in page

    response = client.post(f"/sprawy/{case.pk}/odpowiedz/", {"letter": str(call.public_id)})
    draft = Draft.objects.get(kind="reply")
    sent = timezone.localtime(call.sent_at).strftime("%d.%m.%Y")
    title = f"Reply to the call of {sent} in case {case.sign}"
    owner = draft.owner
    assert draft.data == {
        "ZnakSprawy": case.sign,
        "RodzajPisma": "odpowiedz",
        "Tytul": title,
        "Email": owner.email,
    }
    assert draft.completed_steps == []  # prefilled, not answered
    first = client.get(response["Location"]).content.decode()
    assert f'value="{owner.email}"' in first and f'value="{owner.last_name}"' in first
    content = client.get(f"/wnioski/robocze/{draft.pk}/krok/tresc/").content.decode()
    assert f'value="{case.sign}"' in content and f'value="{title}"' in content
    checked = [tag for tag in content.split("<input") if "checked" in tag.split(">")[0]]
    assert any('value="odpowiedz"' in tag for tag in checked)


def test_without_a_call_the_reply_names_the_case_only(client, filed):  # noqa: F811
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    case = Case.objects.get()
    client.post(f"/sprawy/{case.pk}/odpowiedz/")
    draft = Draft.objects.get(kind="reply")
    assert draft.data["Tytul"] == f"Letter in case {case.sign}"
    assert "RodzajPisma" not in draft.data and draft.data["ZnakSprawy"] == case.sign


def test_the_sent_reply_carries_its_own_title_to_the_receipt_and_the_confirmation(
    client, call, django_capture_on_commit_callbacks
):
    case = call.case
    client.post(f"/sprawy/{case.pk}/odpowiedz/", {"letter": str(call.public_id)})
    draft = Draft.objects.get(kind="reply")
    title = draft.data["Tytul"]
    steps = {
        "wnioskodawca": {
            "Wnioskodawca__first_name": "Jan",
            "Wnioskodawca__last_name": "Kowalski",
            "Wnioskodawca__pesel": "44051401359",
            "Wnioskodawca__address__postal_code": "44-100",
            "Wnioskodawca__address__city": "Gliwice",
            "Wnioskodawca__address__building": "1",
            "Email": draft.data["Email"],
        },
        "tresc": {
            "RodzajPisma": "odpowiedz",
            "ZnakSprawy": case.sign,
            "Tytul": title,
            "Tresc": "W załączeniu pełnomocnictwo.",
        },
        "oswiadczenia": {
            "PrzezPelnomocnika": "false",
            "Oswiadczenie": "true",
            "MiejscowoscDokumentu": "Gliwice",
        },
    }
    for key, fields in steps.items():
        response = client.post(f"/wnioski/robocze/{draft.pk}/krok/{key}/", step_post(**fields))
        assert response.status_code == 302, response.content.decode()[:3000]
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    draft.refresh_from_db()
    assert f"<NazwaDokumentu>{title}</NazwaDokumentu>".encode() in bytes(draft.document).replace(
        b"str:", b""
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": str(draft.idempotency_key)}
        )
    submission = Submission.objects.get(idempotency_key=str(draft.idempotency_key))
    intake(submission)
    assert submission.title == title and submission.reply_to == case
    page = client.get(response["Location"]).content.decode()
    assert f"<dd>{title}</dd>" in page and "Letter received" in page
