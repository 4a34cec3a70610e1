"""Issue 11, item 5: a letter's content is released to a recipient only through a path that
records its receipt first (API, inbox page, download); item 6: the UPP names the sender by a
meaningful identifier and cites the delivery rules in force."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import etree

from documents import selectors, services
from documents.models import Delivery, Receipt, Submission
from documents.services import intake
from documents.services.receipts import UPO_NS
from documents.tests.fixtures import (  # noqa: F401
    ca,
    document_for,
    make_citizen,
    pesel,
    pki_dir,
    sekap_trust,
    setup,
)
from offices.models import StaffMembership
from sekap.accounts.models import Company, Representation
from sekap.accounts.tests.factories import StaffFactory
from tests.test_submission_api import client_for

pytestmark = pytest.mark.django_db
P = f"{{{UPO_NS}}}"


@pytest.fixture
def company_letter(setup, ca, sekap_trust):  # noqa: F811
    """An official letter in a case filed for a company by one representative; a second
    representative of the company and a stranger."""
    rep = make_citizen(ca, pesel=pesel(41))
    colleague = make_citizen(ca, pesel=pesel(42))
    stranger = make_citizen(ca, pesel=pesel(43))
    company = Company.objects.create(name="Firma Sp. z o.o.", nip="5260250274")
    for person in (rep, colleague):
        Representation.objects.create(company=company, user=person.user, status="approved")
    created = client_for(rep.user).post(
        f"/api/v1/submissions/?service={setup.service.pk}&company={company.nip}",
        data=rep.sign(document_for(setup)),
        content_type="application/xml",
    )
    assert created.status_code == 201, created.content
    submission = Submission.objects.get()
    intake.intake_process(submission_id=submission.pk)
    clerk = StaffFactory()
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    letter = services.letter_send(
        case=Submission.objects.get().case,
        clerk=clerk,
        kind="letter",
        title="Zawiadomienie",
        body="Zawiadamiam o terminie oględzin.",
    )
    return letter, rep, colleague, stranger, company


def test_a_co_representative_reading_over_the_api_records_the_delivery_first(company_letter):
    letter, rep, colleague, stranger, company = company_letter
    message = letter.messages.get()
    url = f"/api/v1/inbox/{message.pk}/document.xml"
    assert client_for(stranger.user).get(url).status_code == 404
    assert Delivery.objects.get(letter=letter).status == "available"

    answer = client_for(colleague.user).get(url)
    assert answer.status_code == 200 and answer.content == bytes(letter.xml)
    delivery = Delivery.objects.get(letter=letter)
    assert delivery.status == "delivered" and delivery.collected_by == colleague.user
    assert delivery.delivered_on is not None
    upd = etree.fromstring(bytes(Receipt.objects.get(letter=letter, kind="UPD").xml))
    addressee = upd.find(f"{P}UPD/{P}Adresat/{P}IdentyfikatorPodmiotu")
    assert (addressee.get("TypIdentyfikatora"), addressee.text) == ("NIP", company.nip)
    opened_by = upd.find(
        f"{P}UPD/{P}InformacjaUzupelniajaca[@TypInformacjiUzupelniajacej='OdebralaOsoba']"
    )
    assert colleague.user.pesel in opened_by.text
    # the representative who filed reads it later: the delivery stays as recorded, one UPD
    assert client_for(rep.user).get(url).content == bytes(letter.xml)
    assert Receipt.objects.filter(letter=letter, kind="UPD").count() == 1
    assert Delivery.objects.get(letter=letter).collected_by == colleague.user


def test_pages_show_the_letter_only_after_its_receipt_is_recorded(company_letter):
    letter, _rep, colleague, stranger, _company = company_letter
    message = letter.messages.get()
    page, download = f"/skrzynka/{message.pk}/", f"/skrzynka/{message.pk}/pismo.xml"
    browser = Client()
    browser.force_login(colleague.user)
    assert "Zawiadamiam o terminie oględzin." not in browser.get(page).content.decode()
    assert browser.get(download).status_code == 404  # a GET never records a delivery
    assert not Receipt.objects.filter(letter=letter).exists()
    browser.post(page)  # the explicit "open the letter" button
    assert "Zawiadamiam o terminie oględzin." in browser.get(page).content.decode()
    assert browser.get(download).content == bytes(letter.xml)
    assert Delivery.objects.get(letter=letter).collected_by == colleague.user
    other = Client()
    other.force_login(stranger.user)
    assert other.get(page).status_code == 404 and other.get(download).status_code == 404


def test_a_letter_is_not_released_to_someone_who_no_longer_represents_the_company(
    company_letter,
):
    letter, _rep, colleague, stranger, _company = company_letter
    Representation.objects.filter(user=colleague.user).update(status="revoked")
    url = f"/api/v1/inbox/{letter.messages.get().pk}/document.xml"
    assert client_for(colleague.user).get(url).status_code == 404
    assert Delivery.objects.get(letter=letter).status == "available"
    assert not selectors.letter_released(user=stranger.user, message=letter.messages.get())


def test_the_upp_names_the_sender_and_cites_the_delivery_rules_in_force(setup, ca, sekap_trust):  # noqa: F811
    person = make_citizen(ca, pesel=pesel(44))
    services.submission_accept(
        submitter=person.user,
        service=setup.service,
        signed_xml=person.sign(document_for(setup)),
        idempotency_key="upp-1",
        channel="portal",
    )
    upp = etree.fromstring(bytes(Submission.objects.get().receipt.xml))
    sender = upp.find(f"{P}UPP/{P}Nadawca/{P}IdentyfikatorPodmiotu")
    assert (sender.get("TypIdentyfikatora"), sender.text) == ("PESEL", person.user.pesel)
    assert sender.text != str(person.user.pk)
    notice = upp.findtext(
        f"{P}UPP/{P}InformacjaUzupelniajaca[@TypInformacjiUzupelniajacej='Pouczenie']"
    )
    assert "art. 42 ust. 2" in notice and "doręczeniach elektronicznych" in notice
    assert "39¹ § 1d" not in notice and "na konto w SEKAP" not in notice
