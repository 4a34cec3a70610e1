"""Registration, e-mail confirmation, password reset, profile and identity verification."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from portal.models import IdentityChallenge
from portal.services import accounts as services
from portal.tests.fixtures import certificate_holder
from sekap.accounts.models import User
from sekap.accounts.tests.factories import (
    StaffFactory,
    UserFactory,
    login_with_second_factor,
)
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "kind": "citizen",
    "first_name": "Anna",
    "last_name": "Nowak",
    "email": "Anna.Nowak@Example.test",
    "password1": "zielone-jablko-2026",
    "password2": "zielone-jablko-2026",
    "consent": "on",
}


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/konto/potwierdz/[^\s]+/)", message.body).group(1)


def test_registration_sends_a_link_and_the_account_works_only_after_confirming(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/rejestracja/", REGISTRATION)
    assert response.status_code == 302 and response["Location"] == "/konto/rejestracja/wyslano/"
    user = User.objects.get(email="anna.nowak@example.test")
    assert not user.is_active and user.kind == "citizen"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna.nowak@example.test"]
    login = {"username": "anna.nowak@example.test", "password": REGISTRATION["password1"]}
    response = client.post("/konto/logowanie/", login)
    assert response.status_code == 200  # refused: not confirmed yet, and told so
    assert response.context["form"].has_error("__all__", "unconfirmed")
    assert response.context["unconfirmed_email"] == "anna.nowak@example.test"
    assert "/konto/rejestracja/ponownie/" in response.content.decode()

    link = confirm_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # a GET (mail scanner) confirms nothing
    user.refresh_from_db()
    assert not user.is_active
    assert client.post(link).status_code == 400  # without the password
    assert client.post(link, {"password": "not-the-password-1"}).status_code == 400
    user.refresh_from_db()
    assert not user.is_active
    assert client.post(link, {"password": REGISTRATION["password1"]}).status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.portal_profile.email_confirmed_at is not None
    assert client.post("/konto/logowanie/", login).status_code == 302
    assert AuditEntry.objects.filter(action="portal.account.email_confirmed").count() == 1


def test_registering_a_taken_address_reveals_nothing_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="anna.nowak@example.test", first_name="Anna")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/rejestracja/", REGISTRATION)
    assert response["Location"] == "/konto/rejestracja/wyslano/"  # as for a new address
    assert User.objects.filter(email="anna.nowak@example.test").count() == 1
    owner.refresh_from_db()
    assert owner.first_name == "Anna" and owner.is_active
    (message,) = mail.outbox
    assert message.to == ["anna.nowak@example.test"] and "/konto/potwierdz/" not in message.body


def test_a_tampered_confirmation_link_is_refused(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/rejestracja/", REGISTRATION)
    link = confirm_link(mail.outbox[0])
    response = client.post(
        link.replace("/konto/potwierdz/", "/konto/potwierdz/x"),
        {"password": REGISTRATION["password1"]},
    )
    assert response.status_code == 400
    assert not User.objects.get(email="anna.nowak@example.test").is_active


def test_registration_errors_are_listed_and_nothing_is_created(en_client):
    client = en_client
    UserFactory(email="taken@example.test")
    data = {**REGISTRATION, "email": "taken@example.test", "password2": "something-else-1"}
    data.pop("consent")
    response = client.post("/konto/rejestracja/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "The two passwords are different." in html
    assert "Confirm that you have read the information." in html
    assert 'aria-invalid="true"' in html
    assert User.objects.filter(email="anna.nowak@example.test").count() == 0
    assert not mail.outbox


def test_password_reset_by_e_mail(client):
    user = UserFactory(email="reset@example.test")
    client.post("/konto/haslo/", {"email": "reset@example.test"})
    assert len(mail.outbox) == 1
    path = re.search(r"http://testserver(/konto/haslo/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(path)
    assert response.status_code == 302  # Django moves the token into the session
    new = "nowe-haslo-do-sekap-77"
    response = client.post(response["Location"], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_profile_validates_pesel_and_address(en_client):
    client = en_client
    user = UserFactory(email="p@example.test")
    client.force_login(user)
    response = client.post(
        "/konto/profil/",
        {
            "first_name": "Jan",
            "last_name": "Nowak",
            "pesel": "44051401358",
            "postal_code": "44100",
            "street": "Zwycięstwa",
        },
    )
    html = response.content.decode()
    assert "The PESEL number is not valid" in html
    assert "Enter the postal code as 00-000." in html
    assert "Enter this part of the address too." in html
    user.refresh_from_db()
    assert user.pesel == ""
    response = client.post(
        "/konto/profil/",
        {
            "first_name": "Jan",
            "last_name": "Nowak",
            "pesel": "44051401359",
            "phone": "+48 600 100 200",
            "postal_code": "44-100",
            "city": "Gliwice",
            "street": "Zwycięstwa",
            "building": "21",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.pesel, user.last_name) == ("44051401359", "Nowak")
    assert user.portal_profile.address == {
        "postal_code": "44-100",
        "city": "Gliwice",
        "street": "Zwycięstwa",
        "building": "21",
    }


def test_a_verified_person_cannot_change_name_or_pesel(verified):
    with pytest.raises(services.AccountError):
        services.profile_update(
            user=verified,
            person={"first_name": "Jan", "last_name": "Inny", "pesel": verified.pesel},
            address={},
        )
    verified.refresh_from_db()
    assert verified.last_name == "Kowalski"


def test_clerk_confirms_identity_at_the_counter(client):
    person = UserFactory(email="osoba@example.test", pesel="02070803628")
    clerk = StaffFactory()
    from offices.tests.factories import MembershipFactory

    MembershipFactory(user=clerk)
    login_with_second_factor(client, clerk)
    response = client.get("/backoffice/tozsamosc/", {"q": "02070803628"})
    assert "osoba@example.test" in response.content.decode()
    url = f"/backoffice/tozsamosc/{person.pk}/"
    response = client.post(url, {"document_kind": "id_card"})  # the check not confirmed
    assert response.status_code == 200
    person.refresh_from_db()
    assert not person.is_identity_verified
    confirmed = {"document_kind": "id_card", "document_checked": "on", "account_confirmed": "on"}
    response = client.post(url, {**confirmed, "pesel": "02070803628"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_identity_verified
    assert (person.verified_by, person.verified_method) == (clerk, "counter")


def test_counter_screen_needs_staff_with_second_factor(client):
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get("/backoffice/tozsamosc/").status_code == 403
    clerk = StaffFactory()
    client.force_login(clerk)  # password only, no second factor
    response = client.get("/backoffice/tozsamosc/")
    assert response.status_code == 302 and "/konto/2fa/" in response["Location"]


def test_identity_proved_by_a_signed_challenge(client, ca, sekap_trust):
    user = UserFactory(email="cert@example.test", pesel="44051401359")
    holder = certificate_holder(ca, user=user)
    client.force_login(user)
    challenge_xml = client.post("/konto/tozsamosc/wyzwanie.xml").content
    signed = holder.sign(challenge_xml)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/konto/tozsamosc/",
        {"signed_file": SimpleUploadedFile("podpisany.xml", signed, "application/xml")},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.is_identity_verified and user.verified_method == "certificate"
    assert IdentityChallenge.objects.get(user=user).used_at is not None


def test_a_challenge_signed_with_someone_elses_certificate_is_refused(ca, sekap_trust):
    user = UserFactory(pesel="44051401359")
    holder = certificate_holder(ca, user=user, pesel="02070803628")
    challenge = services.identity_challenge_create(user=user)
    signed = holder.sign(services.challenge_document(challenge))
    with pytest.raises(services.ChallengeRefused, match="PESEL"):
        services.identity_prove_by_signature(user=user, signed_xml=signed)
    user.refresh_from_db()
    assert not user.is_identity_verified


def test_a_challenge_of_another_account_or_a_reused_one_is_refused(ca, sekap_trust):
    user = UserFactory(pesel="44051401359")
    holder = certificate_holder(ca, user=user)
    other = UserFactory()
    foreign = holder.sign(
        services.challenge_document(services.identity_challenge_create(user=other))
    )
    with pytest.raises(services.ChallengeRefused):
        services.identity_prove_by_signature(user=user, signed_xml=foreign)
    tampered = holder.sign(
        services.challenge_document(services.identity_challenge_create(user=user))
    )
    tampered = tampered.replace(b"<Konto>", b"<Konto>x", 1)
    with pytest.raises(services.ChallengeRefused):
        services.identity_prove_by_signature(user=user, signed_xml=tampered)
    user.refresh_from_db()
    assert not user.is_identity_verified
