"""Companies and their representatives: a power of attorney approved by an office."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from offices.tests.factories import MembershipFactory, OfficeFactory
from portal.tests.fixtures import PDF
from sekap.accounts.models import Representation
from sekap.accounts.selectors import companies_represented_by
from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "Przykładowa Sp. z o.o.",
    "nip": "526-000-12-46",
    "regon": "",
    "krs": "0000012345",
    "address": "ul. Zwycięstwa 1, 44-100 Gliwice",
    "scope": "wszystkie sprawy",
}


def test_representative_asks_and_an_office_approves(client):
    person = UserFactory(kind="business")
    client.force_login(person)
    response = client.post(
        "/konto/firmy/",
        {**COMPANY, "power_of_attorney": SimpleUploadedFile("pelnomocnictwo.pdf", PDF)},
    )
    assert response.status_code == 302
    representation = Representation.objects.get(user=person)
    assert representation.status == "pending" and representation.company.nip == "5260001246"
    assert not companies_represented_by(person).exists()

    clerk = StaffFactory()
    office = OfficeFactory(terc="2466011")
    MembershipFactory(user=clerk, office=office)
    client.logout()
    login_with_second_factor(client, clerk)
    queue = client.get("/backoffice/pelnomocnictwa/").content.decode()
    assert "Przykładowa Sp. z o.o." in queue
    document = client.get(f"/backoffice/pelnomocnictwa/{representation.pk}/dokument/")
    assert b"".join(document.streaming_content) == PDF
    response = client.post(
        f"/backoffice/pelnomocnictwa/{representation.pk}/", {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    representation.refresh_from_db()
    assert (representation.status, representation.decided_office_terc) == ("approved", "2466011")
    assert list(companies_represented_by(person)) == [representation.company]


def test_invalid_nip_is_reported_and_nothing_stored(en_client):
    person = UserFactory()
    en_client.force_login(person)
    response = en_client.post(
        "/konto/firmy/",
        {**COMPANY, "nip": "5260001245", "power_of_attorney": SimpleUploadedFile("p.pdf", PDF)},
    )
    assert response.status_code == 200
    assert "The NIP is not valid" in response.content.decode()
    assert not Representation.objects.exists()


def test_citizens_cannot_open_the_power_of_attorney_queue(client):
    client.force_login(UserFactory())
    assert client.get("/backoffice/pelnomocnictwa/").status_code == 403
