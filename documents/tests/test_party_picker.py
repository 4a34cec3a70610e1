"""The clerk picks which of the case's parties receive a letter (issue 11): a fieldset of
checkboxes on the case page, every party ticked by default; none ticked is an error in the
error summary and nothing is sent; the decision is sent the same way."""

from __future__ import annotations

import pytest
from lxml import html

from documents import services
from documents.models import CaseParty, Letter
from documents.services.register import CorrespondentDetails, correspondent_find_or_create
from documents.services.register.parties import party_create
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_party_case(setup, citizen, client):
    case = make_case(setup, citizen.user)
    clerk = clerk_of(setup)
    paper = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(first_name="Piotr", last_name="Sąsiad", city="Gliwice"),
        actor=clerk,
    )
    neighbour = party_create(case=case, correspondent=paper, role="participant")
    services.case_take(case=case, clerk=clerk)
    login_with_second_factor(client, clerk)
    applicant = CaseParty.objects.get(case=case, role="applicant")
    return case, applicant, neighbour


def test_the_letter_form_offers_every_party_ticked(client, two_party_case):
    case, applicant, neighbour = two_party_case
    page = html.fromstring(client.get(f"/backoffice/sprawy/{case.pk}/").content)
    (fieldset,) = page.xpath("//fieldset[@id='id_recipients']")
    assert fieldset.xpath("./legend")[0].text_content().strip()
    boxes = fieldset.xpath(".//input[@type='checkbox']")
    assert sorted(b.get("value") for b in boxes) == sorted([str(applicant.pk), str(neighbour.pk)])
    assert all(b.get("checked") is not None for b in boxes)
    for box in boxes:  # every checkbox has its label
        assert fieldset.xpath(f".//label[@for='{box.get('id')}']")


def test_the_letter_goes_only_to_the_parties_chosen(
    client, two_party_case, django_capture_on_commit_callbacks
):
    case, _applicant, neighbour = two_party_case
    url = f"/backoffice/sprawy/{case.pk}/pismo/"
    letter = {"kind": "letter", "title": "Pismo", "body": "Treść"}
    refused = client.post(url, letter)  # nobody ticked
    assert refused.status_code == 400
    summary = html.fromstring(refused.content).xpath("//div[@class='error-summary']//a/@href")
    assert "#id_recipients" in summary  # the fieldset
    assert not Letter.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**letter, "recipients": [str(neighbour.pk)]})
    assert sent.status_code == 302
    (delivery,) = Letter.objects.get().deliveries.all()
    assert delivery.party_id == neighbour.pk


def test_a_party_of_another_case_cannot_be_posted(client, setup, citizen, two_party_case):
    case, _applicant, _neighbour = two_party_case
    other = CaseParty.objects.get(case=make_case(setup, citizen.user, 2), role="applicant")
    response = client.post(
        f"/backoffice/sprawy/{case.pk}/pismo/",
        {"kind": "letter", "title": "Pismo", "body": "Treść", "recipients": [str(other.pk)]},
    )
    assert response.status_code == 400  # not among the choices
    assert not Letter.objects.exists()
