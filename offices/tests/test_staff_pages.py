"""The staff import and leaver pages over HTTP: upload -> preview -> apply, refusals, and a
deactivated person's earlier session and API token refused on their next request."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from offices.models import StaffMembership, StaffRole
from offices.services import membership_grant
from offices.tests.factories import OfficeFactory
from sekap.accounts.models import User
from sekap.accounts.services import api_token_issue
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CSV = (
    "urząd;wydział;nazwa wydziału;imię;nazwisko;e-mail;stanowisko;role\n"
    "2466011;GK;Wydział Geodezji;Anna;Żółkiewska;anna@gliwice.test;Inspektor;referent\n"
)


@pytest.fixture
def offices(db):
    cpd = OfficeFactory(terc="24", kind="voivodeship", gmina_type="", name="Urząd Wojewódzki")
    gliwice = OfficeFactory(terc="2466011", kind="city_county", gmina_type="", name="UM Gliwice")
    bytom = OfficeFactory(terc="2462011", kind="city_county", gmina_type="", name="UM Bytom")
    return cpd, gliwice, bytom


def staff(office, role, email, client=None):
    user = StaffFactory(email=email)
    membership_grant(actor=None, user=user, office=office, role=role)
    if client is not None:
        login_with_second_factor(client, user)
    return user


def upload(client, text: str, name="kadry.csv", encoding="utf-8"):
    file = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.post("/backoffice/kadry/import/", {"action": "preview", "file": file})


def test_upload_preview_apply(client, offices):
    staff(offices[0], StaffRole.CPD_ADMIN, "cpd@slask.test", client)
    response = upload(client, CSV, encoding="cp1250")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Podgląd pliku kadry.csv" in page
    assert "anna@gliwice.test" in page
    assert not User.objects.filter(email="anna@gliwice.test").exists()
    plan = response.context["plan"]
    applied = client.post(
        "/backoffice/kadry/import/",
        {"action": "apply", "sha256": plan.sha256, "digest": plan.digest},
        follow=True,
    )
    assert "Plik zastosowano: utworzono osób: 1" in applied.content.decode()
    assert StaffMembership.objects.filter(
        user__email="anna@gliwice.test", department__symbol="GK", role="clerk"
    ).exists()
    # the confirmation is used up: a replay applies nothing and asks for the file again
    again = client.post(
        "/backoffice/kadry/import/",
        {"action": "apply", "sha256": plan.sha256, "digest": plan.digest},
        follow=True,
    )
    assert "Wczytaj plik i obejrzyj podgląd jeszcze raz." in again.content.decode()


def test_refused_file_lists_each_row_in_polish(client, offices):
    staff(offices[0], StaffRole.CPD_ADMIN, "cpd@slask.test", client)
    bad = CSV + "2466011;GK;;Piotr;Zły;piotr@gliwice;Inspektor;referent\n"
    response = upload(client, bad)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Plik odrzucono: niczego nie zmieniono" in page
    assert "<td>3</td><td>„piotr@gliwice” nie jest poprawnym adresem e-mail.</td>" in page
    assert not User.objects.filter(email__endswith="@gliwice.test").exists()


def test_apply_with_another_hash_is_refused(client, offices):
    staff(offices[0], StaffRole.CPD_ADMIN, "cpd@slask.test", client)
    plan = upload(client, CSV).context["plan"]
    response = client.post(
        "/backoffice/kadry/import/",
        {"action": "apply", "sha256": "0" * 64, "digest": plan.digest},
    )
    assert response.status_code == 302
    assert not User.objects.filter(email="anna@gliwice.test").exists()


def test_office_admin_of_another_office_and_clerk_are_refused(client, offices):
    _cpd, gliwice, bytom = offices
    staff(bytom, StaffRole.OFFICE_ADMIN, "admin@bytom.test", client)
    response = upload(client, CSV)
    assert response.status_code == 422
    with translation.override("pl"):
        assert "Nie możesz zarządzać kadrą urzędu 2466011." in response.content.decode()
    clerk_client = Client()
    staff(gliwice, StaffRole.CLERK, "clerk@gliwice.test", clerk_client)
    assert clerk_client.get("/backoffice/kadry/import/").status_code == 403
    assert upload(clerk_client, CSV).status_code == 403
    assert clerk_client.get("/backoffice/kadry/odejscia/").status_code == 403
    assert not User.objects.filter(email="anna@gliwice.test").exists()


def test_deactivation_ends_sessions_and_tokens(client, offices):
    _cpd, gliwice, _bytom = offices
    staff(gliwice, StaffRole.OFFICE_ADMIN, "admin@gliwice.test", client)
    leaver_client = Client()
    leaver = staff(gliwice, StaffRole.REGISTRY_CLERK, "leaver@gliwice.test", leaver_client)
    token = api_token_issue(actor=None, user=leaver)
    assert leaver_client.get("/backoffice/").status_code == 200
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert Client().get("/api/v1/offices/", **auth).status_code == 200

    response = client.post(
        "/backoffice/kadry/odejscia/",
        {"emails": "leaver@gliwice.test", "reason": "koniec umowy"},
        follow=True,
    )
    assert "Dezaktywowano: leaver@gliwice.test" in response.content.decode()
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert not Token.objects.filter(user=leaver).exists()
    # the session opened before is refused on its next request, and so is the token
    assert leaver_client.get("/backoffice/").status_code == 302
    refused = Client().get("/api/v1/offices/", **auth)
    assert refused.status_code == 403, refused.content
    assert "token" in refused.json()["detail"].lower(), refused.json()
    entry = AuditEntry.objects.get(action="accounts.user.deactivated")
    assert entry.after["sessions_ended"] == 1
    assert entry.after["reason"] == "koniec umowy"
    assert len(entry.after["tokens_revoked"]) == 1


def test_office_admin_cannot_deactivate_staff_of_another_office(client, offices):
    _cpd, gliwice, bytom = offices
    staff(gliwice, StaffRole.OFFICE_ADMIN, "admin@gliwice.test", client)
    other = staff(bytom, StaffRole.CLERK, "clerk@bytom.test")
    mine = staff(gliwice, StaffRole.CLERK, "clerk@gliwice.test")
    response = client.post(
        "/backoffice/kadry/odejscia/", {"emails": "clerk@gliwice.test\nclerk@bytom.test"}
    )
    assert response.status_code == 200
    assert "Nie masz uprawnień" in response.content.decode()
    other.refresh_from_db()
    mine.refresh_from_db()
    assert other.is_active and mine.is_active  # all or none
