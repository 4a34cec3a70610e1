"""Letters go to case parties, not to accounts (issue 11): a party without a SEKAP account is sent
letters on paper; every addressee gets its own delivery, its own inbox copy and its own delivery
date; a citizen reads and collects only their own copy."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from lxml import etree

from documents import selectors, services
from documents.models import CaseParty, Delivery, InboxMessage, Receipt
from documents.services.delivery import paper_receipt_record
from documents.services.register import (
    CorrespondentDetails,
    correspondent_find_or_create,
    paper_register,
)
from documents.services.register.correspondents import correspondent_for_account
from documents.services.register.paper import entry_case_open
from documents.services.register.parties import party_create
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import VerifiedCitizenFactory, login_with_second_factor
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
PISMO = "{urn:sekap:documents:pismo:1}"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WARSAW)


def paper_case(setup):
    """A case opened from a paper letter of a person who has no SEKAP account."""
    registry = clerk_of(setup, role="registry_clerk", department=False)
    sender = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(
            first_name="Zofia", last_name="Łęcka", street="Długa 1", postal_code="44-100",
            city="Gliwice",
        ),
        actor=registry,
    )  # fmt: skip
    entry = paper_register(
        office=setup.office,
        clerk=registry,
        correspondent=sender,
        department=setup.department,
        title="Wniosek o wycinkę drzewa",
        channel="post",
    )
    return entry_case_open(entry=entry, service=setup.service, clerk=registry)


def test_a_party_without_an_account_is_sent_the_letter_on_paper(
    setup, django_capture_on_commit_callbacks
):
    case = paper_case(setup)
    clerk = clerk_of(setup)
    assert case.applicant_id is None
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.letter_send(
            case=case, clerk=clerk, kind="letter", title="Wezwanie", body="Proszę o..."
        )
    (delivery,) = letter.deliveries.all()
    party = CaseParty.objects.get(case=case, role="applicant")
    assert (delivery.party, delivery.channel, delivery.status, delivery.recipient) == (
        party,
        "paper",
        "sent",
        None,
    )
    assert delivery.postal_address == "Długa 1, 44-100 Gliwice"
    assert not InboxMessage.objects.filter(letter=letter).exists()  # nobody's inbox
    root = etree.fromstring(bytes(letter.xml))
    assert [n.text for n in root.iter(f"{PISMO}Nazwa")][-1] == "Zofia Łęcka"
    assert "operatora pocztowego" in root.find(f"{PISMO}Doreczenie").text
    # the outgoing book lists it for the post
    book = selectors.dispatch_book(
        office=setup.office, start=timezone.localdate(), end=timezone.localdate()
    )
    assert list(book) == [delivery]


def test_a_case_without_parties_or_account_has_nobody_to_write_to(setup):
    from documents.errors import CaseActionRefused

    case = paper_case(setup)
    CaseParty.objects.filter(case=case).delete()
    with pytest.raises(CaseActionRefused):
        services.letter_send(case=case, clerk=clerk_of(setup), kind="letter", title="T", body="B")


def test_parties_of_another_case_are_refused(setup, citizen):
    case = make_case(setup, citizen.user)
    other = paper_case(setup)
    stranger = CaseParty.objects.get(case=other)
    with pytest.raises(NotAllowed):
        services.letter_send(
            case=case, clerk=clerk_of(setup), kind="letter", title="T", body="B", parties=[stranger]
        )
    assert not Delivery.objects.exists()


@pytest.fixture
def two_parties(setup, citizen, django_capture_on_commit_callbacks):
    """A case of ``citizen`` with a second party who has an account of their own, both served
    through the platform, and a third party on paper; the letter went to all three on Friday
    11 Dec 2026."""
    case = make_case(setup, citizen.user)
    clerk = clerk_of(setup)
    CaseParty.objects.filter(case=case).update(served_via_platform=True)
    neighbour = VerifiedCitizenFactory()
    party_create(
        case=case,
        correspondent=correspondent_for_account(office=setup.office, user=neighbour),
        role="party",
        served_via_platform=True,
    )
    paper = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(first_name="Piotr", last_name="Sąsiad", city="Gliwice"),
        actor=clerk,
    )
    party_create(case=case, correspondent=paper, role="participant")
    with (
        time_machine.travel(at(2026, 12, 11, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.letter_send(case=case, clerk=clerk, kind="letter", title="Z", body="T")
    return letter, neighbour


def test_each_party_gets_its_own_copy_and_delivery_date(citizen, two_parties):
    letter, neighbour = two_parties
    deliveries = list(letter.deliveries.order_by("pk"))
    assert [d.channel for d in deliveries] == ["platform", "platform", "paper"]
    mine, theirs, post = deliveries
    assert (mine.recipient, theirs.recipient, post.recipient) == (citizen.user, neighbour, None)
    assert InboxMessage.objects.get(delivery=mine).recipient == citizen.user
    assert InboxMessage.objects.get(delivery=theirs).recipient == neighbour
    assert InboxMessage.objects.filter(letter=letter).count() == 2

    # the citizen opens on Monday 14 Dec: their UPD, their date; the neighbour's is still open
    with time_machine.travel(at(2026, 12, 14, 9, 0), tick=False):
        services.inbox_open(user=citizen.user, message=InboxMessage.objects.get(delivery=mine))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.delivered_on) == ("delivered", dt.date(2026, 12, 14))
    assert (theirs.status, theirs.delivered_on, theirs.receipt) == ("available", None, None)
    upd = Receipt.objects.get(letter=letter)
    assert mine.receipt == upd and citizen.user.pesel.encode() in bytes(upd.xml)
    assert selectors.letter_delivered_to_all(letter=letter) is None

    # the neighbour opens on Wednesday 16 Dec: a second UPD, their own date
    with time_machine.travel(at(2026, 12, 16, 9, 0), tick=False):
        services.inbox_open(user=neighbour, message=InboxMessage.objects.get(delivery=theirs))
    assert Receipt.objects.filter(letter=letter, kind="UPD").count() == 2
    dates = {row.party_id: row.delivered_on for row in selectors.delivery_dates(letter=letter)}
    assert dates == {
        mine.party_id: dt.date(2026, 12, 14),
        theirs.party_id: dt.date(2026, 12, 16),
        post.party_id: None,
    }
    assert selectors.delivery_date(letter=letter) == dt.date(2026, 12, 14)  # the applicant
    assert selectors.delivery_date(letter=letter, party=theirs.party) == dt.date(2026, 12, 16)
    assert selectors.letter_delivered_to_all(letter=letter) is None  # the post has not come back
    with time_machine.travel(at(2026, 12, 21, 9, 0), tick=False):
        paper_receipt_record(delivery=post, actor=None, date=dt.date(2026, 12, 18))
    assert selectors.letter_delivered_to_all(letter=letter) == dt.date(2026, 12, 18)


def test_a_citizen_cannot_read_or_collect_another_partys_copy(client, citizen, two_parties):
    letter, neighbour = two_parties
    theirs = InboxMessage.objects.get(letter=letter, recipient=neighbour)
    login_with_second_factor(client, citizen.user)
    assert selectors.inbox_message_for(user=citizen.user, pk=theirs.pk) is None
    with pytest.raises(NotAllowed):
        services.inbox_open(user=citizen.user, message=theirs)
    assert client.get(f"/api/v1/inbox/{theirs.pk}/document.xml").status_code == 404
    assert client.post(f"/api/v1/inbox/{theirs.pk}/open/").status_code == 404
    assert client.get(f"/skrzynka/{theirs.pk}/").status_code == 404
    delivery = Delivery.objects.get(pk=theirs.delivery_id)
    assert (delivery.status, delivery.copy_opened_at) == ("available", None)  # nothing recorded

    # the neighbour's UPD is theirs only
    other = Client()
    login_with_second_factor(other, neighbour)
    assert other.get(f"/api/v1/inbox/{theirs.pk}/document.xml").status_code == 200
    upd = Receipt.objects.get(letter=letter)
    assert other.get(f"/upo/{upd.public_id}/xml").status_code == 200
    assert client.get(f"/upo/{upd.public_id}/xml").status_code == 404
