"""Every page a person reads writes moments as dd.mm.rrrr gg:mm and days as dd.mm.rrrr, in
Europe/Warsaw, in Polish pages and back-office pages alike (issue 9, portal 10)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from documents import services as documents
from documents.models import Case, InboxMessage
from offices.models import StaffRole
from offices.services import membership_grant
from offices.tests.factories import MembershipFactory
from portal.tests.test_matters import filed  # noqa: F401
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.datetimes import polish_date, polish_datetime

pytestmark = pytest.mark.django_db

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
]
POLISH_MOMENT = re.compile(r"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}\b")


def visible_text(html: str) -> str:
    """The page as read: without tags (and so without machine-readable attributes)."""
    body = html[html.index("<main") :] if "<main" in html else html
    return re.sub(r"<[^>]+>", " ", body)


def assert_polish_dates(html: str, *expected: str) -> None:
    text = visible_text(html)
    for value in expected:
        assert value in text, value
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "ISO date shown"
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text), "seconds shown"
    assert not re.search(r"\d{2}:\d{2}\.\d+", text), "microseconds shown"
    assert "UTC" not in text
    for month in MONTHS:
        # a date written with the month's name (a statute's "16 listopada 2006 r." is a title)
        found = re.search(rf"\b{month}\b(?! \d{{4}} r\.)|\b{month[:3]}\. \d", text)
        assert not found, text[max(found.start() - 200, 0) : found.end() + 50]


@pytest.fixture
def matter(client, filed):  # noqa: F811
    case = Case.objects.get()
    clerk = StaffFactory()
    MembershipFactory(
        user=clerk, office=case.office, department=case.department, role=StaffRole.CLERK
    )
    letter = documents.letter_send(
        case=case,
        clerk=clerk,
        kind="supplement",
        title="Wezwanie do uzupełnienia",
        body="Proszę dołączyć pełnomocnictwo.",
        supplement_due=timezone.localdate() + dt.timedelta(days=7),
    )
    return case, clerk, letter


def test_citizen_pages_write_dates_the_polish_way(
    client,
    filed,  # noqa: F811
    matter,
    django_capture_on_commit_callbacks,
):
    case, _clerk, letter = matter
    received = polish_datetime(filed.received_at)
    message = InboxMessage.objects.get(letter=letter)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/skrzynka/{message.pk}/").status_code == 302  # open the letter
    pages = {
        "/wnioski/": [received],
        f"/wnioski/{filed.public_id}/": [received],
        "/sprawy/": [polish_date(case.deadline)],
        f"/sprawy/{case.pk}/": [
            polish_date(case.started_on),
            polish_date(case.deadline),
            received,
            polish_datetime(letter.sent_at),
        ],
        "/skrzynka/": [polish_datetime(message.created_at)],
        f"/skrzynka/{message.pk}/": [
            polish_datetime(message.created_at),
            polish_date(letter.supplement_due),
        ],
    }
    opened = InboxMessage.objects.filter(case=case, letter=None).first()  # "case opened"
    assert case.deadline and opened is not None
    pages[f"/skrzynka/{opened.pk}/"] = [polish_date(case.deadline)]
    for url, expected in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="pl")
        assert response.status_code == 200, url
        assert_polish_dates(response.content.decode(), *expected)


def test_back_office_pages_write_dates_the_polish_way(client, filed, matter):  # noqa: F811
    case, clerk, letter = matter
    client.logout()
    login_with_second_factor(client, clerk)
    queue = client.get("/backoffice/sprawy/").content.decode()
    assert_polish_dates(queue, polish_date(case.deadline))
    page = client.get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    assert_polish_dates(
        page,
        polish_date(case.started_on),
        polish_date(case.deadline),
        polish_datetime(filed.received_at),
        polish_datetime(letter.sent_at),
    )
    assert POLISH_MOMENT.search(visible_text(page[page.index("<table") :]))  # the history


def test_esp_token_page_writes_dates_the_polish_way(client):
    from offices.tests.factories import OfficeFactory

    office = OfficeFactory()
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=office, role=StaffRole.OFFICE_ADMIN)
    token, _secret = documents.esp_token_issue(office=office, name="EZD", actor=None)
    documents.esp_token_revoke(token=token, actor=None)
    token.refresh_from_db()
    login_with_second_factor(client, admin)
    html = client.get(f"/backoffice/esp/{office.terc}/tokeny/", HTTP_ACCEPT_LANGUAGE="pl")
    assert_polish_dates(
        html.content.decode(), polish_datetime(token.created_at), polish_datetime(token.revoked_at)
    )
