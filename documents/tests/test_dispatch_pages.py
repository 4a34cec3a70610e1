"""The outgoing book pages: the book per office and period, the post's list, the envelope and
the return receipt recorded; pinned query counts; another office's staff see nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Delivery
from documents.services.delivery import Addressee, letter_dispatch
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from documents.tests.test_delivery import sealed_letter
from sekap.accounts.tests.factories import UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_a(pki_dir):
    return make_service(symbol="OR")


def paper_letters(setup, clerk, n: int, start: int = 0) -> list[Delivery]:
    applicant = UserFactory()
    made = []
    for i in range(start, start + n):
        case = make_case(setup, applicant, i)
        letter = sealed_letter(case, clerk, title=f"Decyzja {i}")
        (delivery,) = letter_dispatch(
            letter=letter,
            actor=clerk,
            addressees=[
                Addressee(name=f"Adresat {i}", postal_address=f"ul. Polna {i}, 40-001 Katowice")
            ],
        )
        made.append(delivery)
    return made


def test_book_and_post_list_have_a_pinned_query_count(client, office_a, django_assert_num_queries):
    clerk = clerk_of(office_a)
    login_with_second_factor(client, clerk)
    paper_letters(office_a, clerk, 2)
    client.get("/backoffice/wysylka/")  # warm the session and the site's caches (menu grants)
    with django_assert_num_queries(9):
        page = client.get("/backoffice/wysylka/")
    assert page.status_code == 200 and page.content.count(b"/koperta/") == 2
    with django_assert_num_queries(8):
        listing = client.get("/backoffice/wysylka/lista-pocztowa/")
    assert listing.content.count(b"ul. Polna") == 2
    paper_letters(office_a, clerk, 12, start=10)
    with django_assert_num_queries(9):
        page = client.get("/backoffice/wysylka/")
    assert page.content.count(b"/koperta/") == 14
    with django_assert_num_queries(8):
        listing = client.get("/backoffice/wysylka/lista-pocztowa/")
    assert listing.content.count(b"ul. Polna") == 14


def test_book_filters_by_period_and_channel(client, office_a):
    clerk = clerk_of(office_a)
    login_with_second_factor(client, clerk)
    (delivery,) = paper_letters(office_a, clerk, 1)
    today = timezone.localdate()
    before = (today - dt.timedelta(days=3)).isoformat()
    old = client.get(f"/backoffice/wysylka/?od={before}&do={before}").content.decode()
    assert "Adresat 0" not in old
    assert (
        "Adresat 0" in client.get(f"/backoffice/wysylka/?od={today.isoformat()}").content.decode()
    )
    platform = client.get("/backoffice/wysylka/?kanal=platform").content.decode()
    assert "Adresat 0" not in platform
    envelope = client.get(f"/backoffice/wysylka/{delivery.public_id}/koperta/").content.decode()
    assert "ul. Polna 0, 40-001 Katowice" in envelope and delivery.letter.case.sign in envelope


def test_recording_the_return_receipt(client, office_a):
    clerk = clerk_of(office_a)
    login_with_second_factor(client, clerk)
    (delivery,) = paper_letters(office_a, clerk, 1)
    today = timezone.localdate()
    url = f"/backoffice/wysylka/{delivery.public_id}/zwrotka/"
    refused = client.post(
        url, {"kind": "received", "date": (today + dt.timedelta(days=1)).isoformat()}
    )
    assert refused.status_code == 302
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"
    client.post(url, {"kind": "received", "date": today.isoformat()})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_on, delivery.rule) == ("delivered", today, "kpa_42")


def test_another_offices_staff_see_nothing(client, office_a):
    clerk = clerk_of(office_a)
    (delivery,) = paper_letters(office_a, clerk, 1)
    other = clerk_of(make_service(symbol="OR"))
    login_with_second_factor(client, other)
    assert "Adresat 0" not in client.get("/backoffice/wysylka/").content.decode()
    assert client.get(f"/backoffice/wysylka/?urzad={office_a.office.terc}").status_code == 200
    assert (
        "Adresat 0"
        not in client.get(f"/backoffice/wysylka/?urzad={office_a.office.terc}").content.decode()
    )
    assert client.get(f"/backoffice/wysylka/{delivery.public_id}/koperta/").status_code == 404
    answer = client.post(
        f"/backoffice/wysylka/{delivery.public_id}/zwrotka/",
        {"kind": "received", "date": timezone.localdate().isoformat()},
    )
    assert answer.status_code == 404
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get("/backoffice/wysylka/").status_code in (302, 403)
