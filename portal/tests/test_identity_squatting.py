"""PESEL squatting (issue 10.5): a PESEL typed into someone's own unverified profile must not
lock the PESEL's owner out, and nobody is confirmed on a stranger's account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from offices.tests.factories import MembershipFactory
from portal.services import accounts as services
from portal.tests.fixtures import certificate_holder
from sekap.accounts.models import IdentityLevel, User
from sekap.accounts.services import IdentityDocument, IdentityError, identity_verify
from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages compared in English (the msgids)."""
    with translation.override("en"):
        yield


VICTIM_PESEL = "44051401359"


def profile_data(pesel: str, first="Jan", last="Kowalski") -> dict:
    return {"first_name": first, "last_name": last, "pesel": pesel}


def test_a_squatter_typing_the_victims_pesel_does_not_lock_the_victim_out():
    squatter = UserFactory(email="squatter@example.test")
    services.profile_update(user=squatter, person=profile_data(VICTIM_PESEL), address={})
    victim = UserFactory(email="victim@example.test")
    # Before the fix: "Another account already uses this PESEL number."
    services.profile_update(user=victim, person=profile_data(VICTIM_PESEL), address={})
    victim.refresh_from_db()
    assert victim.pesel == VICTIM_PESEL

    clerk = StaffFactory()
    identity_verify(
        user=victim,
        verified_by=clerk,
        method="counter",
        document=IdentityDocument(kind="id_card", pesel=VICTIM_PESEL),
    )
    victim.refresh_from_db()
    assert victim.identity_level == IdentityLevel.VERIFIED
    # The squatter can never be verified with the same PESEL now.
    with pytest.raises(IdentityError, match="already verified"):
        identity_verify(
            user=squatter,
            verified_by=clerk,
            method="counter",
            document=IdentityDocument(kind="id_card", pesel=VICTIM_PESEL),
        )
    squatter.refresh_from_db()
    assert squatter.identity_level == IdentityLevel.UNVERIFIED


def test_the_database_allows_a_pesel_twice_only_while_unverified():
    from django.db import IntegrityError, transaction

    UserFactory(pesel=VICTIM_PESEL)
    UserFactory(pesel=VICTIM_PESEL)  # two unverified profiles: fine
    first = User.objects.filter(pesel=VICTIM_PESEL).first()
    User.objects.filter(pk=first.pk).update(
        identity_level="verified", verified_method="counter", verified_at=dt.datetime.now(dt.UTC)
    )
    second = User.objects.filter(pesel=VICTIM_PESEL).exclude(pk=first.pk).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=second.pk).update(
            identity_level="verified",
            verified_method="counter",
            verified_at=dt.datetime.now(dt.UTC),
        )


def _counter(client):
    clerk = StaffFactory()
    MembershipFactory(user=clerk)
    login_with_second_factor(client, clerk)
    return clerk


def test_counter_search_by_pesel_lists_every_account_with_it_and_the_clerk_confirms_one(client):
    squatter = UserFactory(email="squatter@example.test", pesel=VICTIM_PESEL, last_name="Nowak")
    victim = UserFactory(email="victim@example.test", pesel=VICTIM_PESEL, last_name="Nowak")
    clerk = _counter(client)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get("/backoffice/tozsamosc/", {"q": "440 514 013 59"})  # as on the card
    html = response.content.decode()
    assert "squatter@example.test" in html and "victim@example.test" in html
    assert "More than one account was found" in html
    url = f"/backoffice/tozsamosc/{victim.pk}/"
    page = client.get(url).content.decode()
    assert "victim@example.test" in page
    base = {"document_kind": "id_card", "document_checked": "on", "pesel": VICTIM_PESEL}
    response = client.post(url, base)  # the account's e-mail and name not confirmed
    assert response.status_code == 200
    victim.refresh_from_db()
    assert not victim.is_identity_verified
    response = client.post(url, {**base, "account_confirmed": "on"})
    assert response.status_code == 302
    victim.refresh_from_db()
    squatter.refresh_from_db()
    assert victim.is_identity_verified and victim.verified_by == clerk
    assert not squatter.is_identity_verified
    entry = AuditEntry.objects.get(action="accounts.identity.verified")
    assert entry.after["pesel"] == VICTIM_PESEL and entry.after["document"] == "id_card"


def test_the_clerk_types_the_pesel_from_the_card_and_a_different_one_is_refused(client):
    person = UserFactory(email="osoba@example.test", pesel="")
    _counter(client)
    url = f"/backoffice/tozsamosc/{person.pk}/"
    confirmed = {"document_kind": "id_card", "document_checked": "on", "account_confirmed": "on"}
    response = client.post(url, {**confirmed, "pesel": "4405 1401 359"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_identity_verified and person.pesel == VICTIM_PESEL

    other = UserFactory(email="inny@example.test", pesel="02070803628")
    response = client.post(
        f"/backoffice/tozsamosc/{other.pk}/", {**confirmed, "pesel": "90090515836"}
    )
    assert response.status_code == 200
    other.refresh_from_db()
    assert not other.is_identity_verified and other.pesel == "02070803628"


def test_a_foreigner_without_pesel_is_verified_by_document_birth_date_and_nationality(client):
    person = UserFactory(email="olena@example.test", first_name="Olena", last_name="Shevchenko")
    _counter(client)
    url = f"/backoffice/tozsamosc/{person.pk}/"
    confirmed = {
        "document_kind": "residence_card",
        "document_checked": "on",
        "account_confirmed": "on",
    }
    response = client.post(url, confirmed)  # no PESEL and no document data
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"document_number", "birth_date", "nationality"}
    response = client.post(
        url,
        {
            **confirmed,
            "document_number": "rp 1234567",
            "birth_date": "1990-05-14",
            "nationality": "ZZZ",
        },
    )
    assert response.status_code == 200 and "nationality" in response.context["form"].errors
    response = client.post(
        url,
        {
            **confirmed,
            "document_number": "rp 1234567",
            "birth_date": "1990-05-14",
            "nationality": "ukr",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_identity_verified and person.pesel == ""
    assert (person.id_document_kind, person.id_document_number) == ("residence_card", "RP1234567")
    assert (person.birth_date, person.nationality) == (dt.date(1990, 5, 14), "UKR")

    # The same document cannot verify a second account.
    twin = UserFactory(email="twin@example.test")
    with pytest.raises(IdentityError):
        identity_verify(
            user=twin,
            verified_by=StaffFactory(),
            method="counter",
            document=IdentityDocument(
                kind="residence_card",
                number="RP1234567",
                birth_date=dt.date(1990, 5, 14),
                nationality="UKR",
            ),
        )
    twin.refresh_from_db()
    assert not twin.is_identity_verified


def _prove(client, user, holder):
    client.force_login(user)
    challenge_xml = client.post("/konto/tozsamosc/wyzwanie.xml").content
    signed = holder.sign(challenge_xml)
    return client.post(
        "/konto/tozsamosc/",
        {"signed_file": SimpleUploadedFile("podpisany.xml", signed, "application/xml")},
    )


def test_certificate_proof_compares_the_name_as_well_as_the_pesel(client, ca, sekap_trust):
    owner = UserFactory(first_name="Anna", last_name="Nowak", pesel=VICTIM_PESEL)
    holder = certificate_holder(ca, user=owner)
    # Someone else's account with the same PESEL but another name, signed with the owner's
    # certificate (a stolen file would not do, but the name must match all the same).
    squatter = UserFactory(first_name="Jan", last_name="Obcy", pesel=VICTIM_PESEL)
    with pytest.raises(services.ChallengeRefused, match="name"):
        services.identity_prove_by_signature(
            user=squatter,
            signed_xml=holder.sign(
                services.challenge_document(services.identity_challenge_create(user=squatter))
            ),
        )
    squatter.refresh_from_db()
    assert not squatter.is_identity_verified
    response = _prove(client, owner, holder)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.is_identity_verified


@pytest.mark.parametrize(
    ("given", "surname", "first", "last", "same"),
    [
        ("ANNA MARIA", "NOWAK", "Anna", "Nowak", True),
        ("Łucja", "Żółć-Kowalska", "Lucja", "Zolc Kowalska", True),
        ("Anna", "Nowak", "Anna", "Kowalska", False),
        ("Maria", "Nowak", "Anna", "Nowak", False),
        (None, None, "Anna", "Nowak", False),
    ],
)
def test_same_person_name(given, surname, first, last, same):
    from signatures.report import SignerInfo

    signer = SignerInfo(subject="", issuer="", serial_number="1", given_name=given, surname=surname)
    user = User(first_name=first, last_name=last)
    assert services.same_person_name(user, signer) is same
