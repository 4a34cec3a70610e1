"""Delivery with legal effect (issue 11, items 4 and 5): e-Doręczenia through the adapter and the
local fake operator, the platform's own delivery under the ePUAP rule, paper, the beat sweep
under a frozen clock across a weekend and holidays, the appeal deadline from the delivery date,
and the rule that a letter's content is released only after its receipt is recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from lxml import etree

from documents import selectors, services
from documents.deadlines import deadline_for
from documents.errors import DeliveryRefused
from documents.models import CaseEvent, Delivery, Letter, Receipt
from documents.services.delivery import (
    Addressee,
    delivery_sweep,
    edoreczenia_sync,
    letter_dispatch,
    paper_receipt_record,
)
from documents.services.delivery import edoreczenia_fake as fake
from documents.services.receipts import UPO_NS, seal_document
from documents.tests.test_backoffice import clerk_of, make_case
from signatures import services as signatures

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
ADE = "AE:PL-12345-67890-ABCDE-12"
P = f"{{{UPO_NS}}}"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WARSAW)


@pytest.fixture(autouse=True)
def _fresh_fake():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(setup, citizen):
    return make_case(setup, citizen.user)


@pytest.fixture
def clerk(setup):
    return clerk_of(setup)


def sealed_letter(case, clerk, *, title: str = "Decyzja", kind: str = "decision") -> Letter:
    """A sealed letter not yet dispatched (what the workflow's signing step hands over)."""
    from documents.services.cases import letter_xml

    now = timezone.now()
    letter = Letter(case=case, kind=kind, title=title, body="Orzekam.", created_by=clerk,
                    sent_at=now)  # fmt: skip
    xml = letter_xml(case=case, kind=kind, title=title, body="Orzekam.", sent_at=now,
                     public_id=str(letter.public_id), supplement_due=None)  # fmt: skip
    letter.xml = seal_document(office=case.office, xml=xml)
    letter.sha256 = hashlib.sha256(bytes(letter.xml)).hexdigest()
    letter.save(force_insert=True)
    return letter


def by_ade(case, clerk, django_capture_on_commit_callbacks) -> Delivery:
    letter = sealed_letter(case, clerk)
    user = case.applicant
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = letter_dispatch(
            letter=letter,
            actor=clerk,
            addressees=[Addressee(name=user.get_full_name(), user=user, ade=ADE)],
        )
    return Delivery.objects.get(pk=delivery.pk)


def test_edoreczenia_never_collected_is_deemed_delivered_the_day_after_14_days(
    case, clerk, django_capture_on_commit_callbacks
):
    # arrival on Friday 11 Dec 2026; the 14 days lapse on Friday 25 Dec (a holiday); delivered
    # on Saturday 26 Dec (a holiday too): art. 42 ust. 2 UDE names the day, nothing moves it
    with time_machine.travel(at(2026, 12, 11, 10, 0), tick=False):
        delivery = by_ade(case, clerk, django_capture_on_commit_callbacks)
    assert delivery.channel == "edoreczenia" and delivery.status == "available"
    assert delivery.arrived_at == at(2026, 12, 11, 10, 0)
    sending = bytes(delivery.sending_proof)
    assert hashlib.sha256(sending).hexdigest() == delivery.sending_proof_sha256
    assert b"<d:Typ>A.1</d:Typ>" in sending and delivery.provider_ref.startswith("MSG-")
    assert selectors.delivery_date(letter=delivery.letter) is None

    with time_machine.travel(at(2026, 12, 25, 23, 59), tick=False):
        delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == "available" and delivery.delivered_on is None

    with time_machine.travel(at(2026, 12, 26, 0, 5), tick=False):
        delivery_sweep()
        delivery_sweep()  # idempotent
    delivery.refresh_from_db()
    assert delivery.status == "deemed" and delivery.rule == "ude_42_2"
    assert delivery.delivered_on == dt.date(2026, 12, 26)
    proof = bytes(delivery.receipt_proof)
    assert b"<d:Typ>E.1</d:Typ>" in proof and b"art. 41 ust. 1 pkt 3" in proof
    assert hashlib.sha256(proof).hexdigest() == delivery.receipt_proof_sha256
    assert b"<ds:Signature" in proof  # sealed by the operator (checked in the next test)
    assert sending == bytes(Delivery.objects.get(pk=delivery.pk).sending_proof)  # never rebuilt
    assert CaseEvent.objects.filter(case=case, action="delivery_deemed").count() == 1
    # the appeal (14 days, art. 129 § 2 KPA) runs from the delivery date: 26 Dec + 14 days is
    # Saturday 9 Jan 2027, moved to Monday 11 Jan (art. 57 § 4)
    start = selectors.delivery_date(letter=delivery.letter)
    assert start == dt.date(2026, 12, 26)
    assert deadline_for(start=start, rule="14d") == dt.date(2027, 1, 11)


def test_edoreczenia_collected_comes_back_with_the_proof_of_receipt(
    case, clerk, django_capture_on_commit_callbacks
):
    """On the real clock, so the operator's seals validate against the platform CA."""
    delivery = by_ade(case, clerk, django_capture_on_commit_callbacks)
    sent = bytes(delivery.sending_proof)
    assert signatures.validate(sent).indication == "TOTAL_PASSED"
    # the fake operator holds exactly the sealed letter, addressed to the ADE
    assert fake._message(delivery.provider_ref)["sha256"] == delivery.letter.sha256
    assert fake._message(delivery.provider_ref)["recipient"] == ADE
    assert fake.collect(delivery.provider_ref) is True
    assert fake.collect(delivery.provider_ref) is False  # once
    edoreczenia_sync(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.rule == "ude_42_1"
    assert delivery.delivered_on == timezone.localdate(delivery.collected_at)
    proof = bytes(delivery.receipt_proof)
    root = etree.fromstring(proof)
    ns = {"d": fake.EVIDENCE_NS}
    assert root.findtext("d:Typ", namespaces=ns) == "E.1"
    assert root.findtext("d:Podstawa", namespaces=ns) == "art. 41 ust. 1 pkt 1"
    assert root.findtext("d:SkrotPrzesylkiSHA256", namespaces=ns) == delivery.letter.sha256
    assert root.findtext("d:Adresat", namespaces=ns) == ADE
    assert signatures.validate(proof).indication == "TOTAL_PASSED"
    assert selectors.delivery_date(letter=delivery.letter) == delivery.delivered_on
    edoreczenia_sync(delivery_id=delivery.pk)  # nothing further happens
    again = Delivery.objects.get(pk=delivery.pk)
    assert bytes(again.receipt_proof) == proof and bytes(again.sending_proof) == sent
    assert CaseEvent.objects.filter(case=case, action="delivery_delivered").count() == 1


def test_a_wrong_address_is_refused_by_the_service_and_recorded(
    case, clerk, django_capture_on_commit_callbacks
):
    letter = sealed_letter(case, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = letter_dispatch(
            letter=letter, actor=clerk, addressees=[Addressee(name="X", ade="AE:PL-1-2-3")]
        )
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "electronic delivery address" in delivery.last_error
    assert delivery.delivered_on is None and delivery.due_at is None


def test_platform_delivery_second_notice_after_7_days_and_deemed_after_14(
    case, clerk, django_capture_on_commit_callbacks
):
    # first notice on Friday 11 Dec 2026; second notice on 19 Dec (after 7 days); the 14 days
    # end on Friday 25 Dec, a holiday, then Saturday 26 (holiday) and Sunday 27: Monday 28 Dec
    with (
        time_machine.travel(at(2026, 12, 11, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.letter_send(
            case=case, clerk=clerk, kind="letter", title="Decyzja", body="Orzekam."
        )
    (delivery,) = letter.deliveries.all()
    assert delivery.channel == "platform" and delivery.status == "available"
    notes = etree.fromstring(bytes(letter.xml)).findall("{urn:sekap:documents:pismo:1}Doreczenie")
    assert [n.text for n in notes] == [
        "Pismo doręcza się przez platformę SEKAP: jest doręczone z chwilą otwarcia, co "
        "potwierdza UPD, a nieotwarte – po upływie 14 dni od pierwszego zawiadomienia (zasady "
        "doręczeń ePUAP, dawny art. 46 § 4 KPA)."
    ]
    assert [m.to for m in mail.outbox] == [[case.applicant.email]]  # the first notice
    mail.outbox.clear()

    with time_machine.travel(at(2026, 12, 18, 23, 59), tick=False):
        assert delivery_sweep()["platform"] == 0
    with (
        time_machine.travel(at(2026, 12, 19, 0, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert delivery_sweep()["platform"] == 1
        assert delivery_sweep()["platform"] == 0
    delivery.refresh_from_db()
    assert delivery.status == "second_notice"
    assert [m.to for m in mail.outbox] == [[case.applicant.email]]
    assert "28.12.2026" in mail.outbox[0].body

    with time_machine.travel(at(2026, 12, 28, 23, 59), tick=False):
        delivery_sweep()
    assert Delivery.objects.get(pk=delivery.pk).status == "second_notice"
    with time_machine.travel(at(2026, 12, 29, 0, 1), tick=False):
        delivery_sweep()
        delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == "deemed" and delivery.rule == "epuap_14"
    assert delivery.delivered_on == dt.date(2026, 12, 28)
    assert CaseEvent.objects.filter(case=case, action="delivery_deemed").count() == 1
    assert not Receipt.objects.filter(letter=letter).exists()  # no UPD: never opened
    start = selectors.delivery_date(letter=letter)
    assert deadline_for(start=start, rule="14d") == dt.date(2027, 1, 11)


def test_a_late_sweep_does_both_platform_steps(case, clerk):
    with time_machine.travel(at(2026, 12, 11, 10, 0), tick=False):
        letter = services.letter_send(case=case, clerk=clerk, kind="letter", title="P", body="T")
    with time_machine.travel(at(2027, 1, 15, 8, 0), tick=False):
        assert delivery_sweep()["platform"] == 2
    assert letter.deliveries.get().delivered_on == dt.date(2026, 12, 28)


def test_opening_in_the_inbox_delivers_under_the_platform_rule(case, clerk, citizen):
    with time_machine.travel(at(2026, 12, 11, 10, 0), tick=False):
        letter = services.letter_send(case=case, clerk=clerk, kind="letter", title="P", body="T")
    with time_machine.travel(at(2026, 12, 12, 18, 30), tick=False):  # a Saturday
        services.inbox_open(user=citizen.user, message=letter.messages.get())
    delivery = letter.deliveries.get()
    assert delivery.status == "delivered" and delivery.rule == "epuap_upd"
    assert delivery.delivered_on == dt.date(2026, 12, 12)
    assert delivery.receipt.kind == "UPD"
    upd = etree.fromstring(bytes(delivery.receipt.xml))
    assert upd.findtext(f"{P}UPD/{P}DataOdbioru") == "2026-12-12T18:30:00+01:00"
    assert (
        upd.find(f"{P}UPD/{P}Adresat/{P}IdentyfikatorPodmiotu").get("TypIdentyfikatora") == "PESEL"
    )
    assert upd.findtext(f"{P}UPD/{P}Adresat/{P}IdentyfikatorPodmiotu") == citizen.user.pesel
    with time_machine.travel(at(2027, 1, 5, 0, 1), tick=False):
        delivery_sweep()  # nothing left to do
    assert Delivery.objects.get(pk=delivery.pk).delivered_on == dt.date(2026, 12, 12)


def test_the_sekap_copy_of_an_edoreczenia_letter_records_its_opening(
    case, clerk, citizen, django_capture_on_commit_callbacks
):
    delivery = by_ade(case, clerk, django_capture_on_commit_callbacks)
    message = delivery.message
    assert "adres do doręczeń elektronicznych " + ADE in message.body
    assert not selectors.letter_released(user=citizen.user, message=message)
    services.inbox_open(user=citizen.user, message=message)
    delivery.refresh_from_db()
    assert delivery.copy_opened_at is not None
    assert delivery.status == "available" and delivery.delivered_on is None  # not the delivery
    assert selectors.letter_released(user=citizen.user, message=message)
    assert CaseEvent.objects.filter(case=case, action="delivery_copy_opened").count() == 1


def test_paper_receipt_or_return(case, clerk):
    letter = sealed_letter(case, clerk)
    address = "ul. Długa 1, 40-001 Katowice"
    with time_machine.travel(at(2026, 12, 11, 10, 0), tick=False):
        (delivery,) = letter_dispatch(
            letter=letter, actor=clerk, addressees=[Addressee(name="Jan", postal_address=address)]
        )
    assert delivery.channel == "paper" and delivery.status == "sent"
    with time_machine.travel(at(2027, 1, 4, 9, 0), tick=False):
        for wrong in (
            {},  # neither a date nor returned
            {"date": dt.date(2027, 1, 5)},  # in the future
            {"date": dt.date(2026, 12, 10)},  # before it was sent
            {"returned": True},  # without the first notice's date
            {"returned": True, "date": dt.date(2026, 12, 14)},
        ):
            with pytest.raises(DeliveryRefused):
                paper_receipt_record(delivery=delivery, actor=clerk, **wrong)
        assert Delivery.objects.get(pk=delivery.pk).status == "sent"
        # returned uncollected; first notice on 11 Dec: 14 days end on 25 Dec (holiday),
        # moved past the holiday Saturday and Sunday to Monday 28 Dec (art. 44 § 4, art. 57 § 4)
        delivery = paper_receipt_record(
            delivery=delivery, actor=clerk, returned=True, first_notice_on=dt.date(2026, 12, 11)
        )
        assert (delivery.status, delivery.rule) == ("deemed", "kpa_44")
        assert delivery.delivered_on == dt.date(2026, 12, 28)
        with pytest.raises(DeliveryRefused):
            paper_receipt_record(delivery=delivery, actor=clerk, date=dt.date(2026, 12, 14))


def test_paper_return_receipt_with_a_date(case, clerk):
    letter = sealed_letter(case, clerk)
    with time_machine.travel(at(2026, 12, 11, 10, 0), tick=False):
        (delivery,) = letter_dispatch(
            letter=letter, actor=clerk, addressees=[Addressee(name="Jan", postal_address="x")]
        )
    with time_machine.travel(at(2026, 12, 21, 9, 0), tick=False):
        delivery = paper_receipt_record(delivery=delivery, actor=clerk, date=dt.date(2026, 12, 15))
    assert (delivery.status, delivery.rule, delivery.delivered_on) == (
        "delivered",
        "kpa_42",
        dt.date(2026, 12, 15),
    )


def test_dispatching_twice_makes_one_delivery(case, clerk):
    letter = services.letter_send(case=case, clerk=clerk, kind="letter", title="P", body="T")
    again = letter_dispatch(letter=letter, actor=clerk)
    assert [d.pk for d in again] == [d.pk for d in letter.deliveries.all()]
    assert letter.deliveries.count() == 1


def test_production_warns_while_e_doreczenia_is_the_local_fake(settings):
    from documents.checks import edoreczenia_provider_check

    settings.PRODUCTION = False
    assert edoreczenia_provider_check() == []
    settings.PRODUCTION = True
    settings.DOCUMENTS_EDORECZENIA_PROVIDER = "fake"
    assert [m.id for m in edoreczenia_provider_check()] == ["documents.W001"]
    settings.DOCUMENTS_EDORECZENIA_PROVIDER = "http://edoreczenia.example"
    assert [m.id for m in edoreczenia_provider_check()] == ["documents.E001"]
    settings.DOCUMENTS_EDORECZENIA_PROVIDER = "https://edoreczenia.example"
    settings.DOCUMENTS_EDORECZENIA_TOKEN_URL = ""
    assert [m.id for m in edoreczenia_provider_check()] == ["documents.E002"]
    settings.DOCUMENTS_EDORECZENIA_TOKEN_URL = "https://auth.edoreczenia.example/oauth2/token"
    assert edoreczenia_provider_check() == []
    settings.DOCUMENTS_EDORECZENIA_CA_BUNDLE = "/nonexistent/operator-ca.pem"
    assert [m.id for m in edoreczenia_provider_check()] == ["documents.E003"]


def test_an_unreachable_service_leaves_the_delivery_due_later(case, clerk, settings):
    from documents.errors import DeliveryUnavailable

    settings.DOCUMENTS_EDORECZENIA_PROVIDER = "https://127.0.0.1:9"  # nothing listens there
    letter = sealed_letter(case, clerk)
    (delivery,) = letter_dispatch(
        letter=letter, actor=clerk, addressees=[Addressee(name="Jan", ade=ADE)]
    )
    with pytest.raises(DeliveryUnavailable):
        edoreczenia_sync(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.provider_ref) == ("pending", 1, "")
    assert delivery.due_at > timezone.now()
    assert delivery_sweep()["edoreczenia"] == 0  # not due yet
    settings.DOCUMENTS_EDORECZENIA_PROVIDER = "fake"
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    assert delivery_sweep()["edoreczenia"] == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "available"


def test_letters_go_to_each_party_or_its_representative(
    case, clerk, django_capture_on_commit_callbacks
):
    """The applicant (an account, served through the platform) is represented by an attorney
    with an e-Doręczenia address; a second party without an account gets paper."""
    from documents.models import CaseParty
    from documents.services.register.correspondents import (
        CorrespondentDetails,
        correspondent_find_or_create,
    )
    from documents.services.register.parties import party_create

    applicant = CaseParty.objects.get(case=case, role="applicant")
    attorney = correspondent_find_or_create(
        office=case.office,
        details=CorrespondentDetails(first_name="Anna", last_name="Mecenas", ade=ADE),
        actor=clerk,
    )
    neighbour = correspondent_find_or_create(
        office=case.office,
        details=CorrespondentDetails(
            first_name="Piotr", last_name="Sąsiad", street="ul. Polna 2", postal_code="40-001",
            city="Katowice",
        ),
        actor=clerk,
    )  # fmt: skip
    represented_by = party_create(
        case=case, correspondent=attorney, role="representative", represents=applicant
    )
    other = party_create(case=case, correspondent=neighbour, role="party")
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.letter_send(case=case, clerk=clerk, kind="letter", title="D", body="T")
    deliveries = {d.party_id: d for d in letter.deliveries.all()}
    assert set(deliveries) == {represented_by.pk, other.pk}
    to_attorney, to_neighbour = deliveries[represented_by.pk], deliveries[other.pk]
    assert (to_attorney.channel, to_attorney.ade, to_attorney.status) == (
        "edoreczenia",
        ADE,
        "available",
    )
    assert (to_neighbour.channel, to_neighbour.status) == ("paper", "sent")
    assert to_neighbour.postal_address == "ul. Polna 2, 40-001 Katowice"
    notes = [
        n.text
        for n in etree.fromstring(bytes(letter.xml)).findall(
            "{urn:sekap:documents:pismo:1}Doreczenie"
        )
    ]
    assert len(notes) == 2 and notes[0].startswith("Anna Mecenas: ") and ADE in notes[0]
    assert notes[1].startswith("Piotr Sąsiad: ") and "operatora pocztowego" in notes[1]
    paper_receipt_record(delivery=to_neighbour, actor=clerk, date=timezone.localdate())
    assert selectors.delivery_date(letter=letter, party=other) == timezone.localdate()
    assert selectors.delivery_date(letter=letter, party=applicant) is None  # via the attorney
    fake.collect(to_attorney.provider_ref)
    edoreczenia_sync(delivery_id=to_attorney.pk)
    assert selectors.delivery_date(letter=letter, party=applicant) == timezone.localdate()


def test_beat_runs_the_delivery_sweep():
    from celery import current_app
    from django.conf import settings as conf

    entry = conf.CELERY_BEAT_SCHEDULE["documents-delivery-sweep"]
    assert entry["task"] in current_app.tasks and entry["schedule"] <= 15 * 60
