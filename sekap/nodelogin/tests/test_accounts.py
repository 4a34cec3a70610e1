"""Accounts and the node: create or link by PESEL (never by e-mail alone), verified with the
node's level of assurance and time, audited; staff keep their password and code."""

from __future__ import annotations

import pytest
from django.utils import translation

from sekap.accounts.models import IdentityLevel, User, VerificationMethod
from sekap.accounts.sessions import CHANNEL_KEY, NATIONAL_NODE
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    VerifiedCitizenFactory,
    add_totp_device,
)
from sekap.audit.models import AuditEntry

from .support import ANNA, JAN, login_as

pytestmark = pytest.mark.django_db
WELCOME = "/konto/login-gov-pl/nowe-konto/"


@pytest.fixture(autouse=True)
def english(client):
    """Messages compared in English (the msgids); pages asked for in English too."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def create(client, email="anna@example.test"):
    return client.post(WELCOME, {"create": "1", "create-email": email, "create-consent": "on"})


def test_a_newcomer_gets_a_verified_account_with_the_nodes_identity(client):
    assert login_as(client, ANNA)["Location"] == WELCOME
    response = create(client)
    assert response.status_code == 302
    user = User.objects.get(email="anna@example.test")
    assert (user.first_name, user.last_name, user.pesel) == ("Anna", "Testowa", ANNA.pesel)
    assert user.birth_date == ANNA.birth_date
    assert user.identity_level == IdentityLevel.VERIFIED
    assert user.verified_method == VerificationMethod.NATIONAL_NODE
    assert user.verified_loa == "substantial"
    assert user.verified_at is not None
    assert not user.has_usable_password()  # entered through the node only
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[CHANNEL_KEY] == NATIONAL_NODE
    actions = list(
        AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    )
    for action in (
        "nodelogin.account_created",
        "accounts.identity.verified",
        "nodelogin.account_linked",
        "nodelogin.logged_in",
    ):
        assert action in actions


def test_the_level_of_assurance_is_recorded(client):
    login_as(client, ANNA, loa="high")
    create(client)
    assert User.objects.get(pesel=ANNA.pesel).verified_loa == "high"


def test_a_verified_account_with_the_pesel_is_logged_in_straight_away(client):
    owner = VerifiedCitizenFactory(pesel=JAN.pesel, email="jan@example.test")
    response = login_as(client, JAN)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert AuditEntry.objects.filter(action="nodelogin.logged_in", target_id=str(owner.pk))


def test_an_existing_account_is_linked_with_its_password_once(client):
    account = UserFactory(email="anna.old@example.test", pesel=ANNA.pesel)
    login_as(client, ANNA)
    wrong = client.post(
        WELCOME,
        {"link": "1", "link-email": "anna.old@example.test", "link-password": "not-it-at-all"},
    )
    assert wrong.status_code == 400
    account.refresh_from_db()
    assert account.identity_level == IdentityLevel.UNVERIFIED
    right = client.post(
        WELCOME,
        {"link": "1", "link-email": "anna.old@example.test", "link-password": DEFAULT_PASSWORD},
    )
    assert right.status_code == 302
    account.refresh_from_db()
    assert account.identity_level == IdentityLevel.VERIFIED
    assert account.verified_method == VerificationMethod.NATIONAL_NODE
    client.logout()
    # Next time the node alone logs the person in: the password was asked once.
    assert login_as(client, ANNA)["Location"] == "/"
    assert client.session["_auth_user_id"] == str(account.pk)


def test_an_account_carrying_another_pesel_is_not_linked(client):
    UserFactory(email="jan@example.test", pesel=JAN.pesel)
    login_as(client, ANNA)
    response = client.post(
        WELCOME,
        {"link": "1", "link-email": "jan@example.test", "link-password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(identity_level=IdentityLevel.VERIFIED).exists()


def test_an_e_mail_address_alone_links_nothing(client):
    """Giving the address of someone's account when creating one never takes it over."""
    victim = UserFactory(email="anna.old@example.test")
    login_as(client, ANNA)
    response = create(client, email="Anna.Old@example.test")
    assert response.status_code == 400
    victim.refresh_from_db()
    assert victim.identity_level == IdentityLevel.UNVERIFIED and victim.pesel == ""
    assert "_auth_user_id" not in client.session


def test_a_person_logged_in_with_a_password_links_their_own_account(client):
    account = UserFactory(email="jan@example.test")
    client.force_login(account)
    response = login_as(client, JAN)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.pesel == JAN.pesel and account.is_identity_verified
    assert account.verified_loa == "substantial"


def test_a_node_verified_pesel_cannot_be_claimed_by_another_account(client):
    login_as(client, ANNA)
    create(client)
    client.logout()
    squatter = UserFactory(email="squatter@example.test")
    client.force_login(squatter)
    response = login_as(client, ANNA)  # even through the node while logged in elsewhere
    assert response.status_code == 400
    squatter.refresh_from_db()
    assert squatter.pesel == "" and not squatter.is_identity_verified


def test_a_staff_account_logged_in_through_the_node_gets_no_back_office(client):
    clerk = StaffFactory(email="clerk@example.test", pesel=JAN.pesel)
    add_totp_device(clerk)
    login_as(client, JAN)
    # Not yet verified: the clerk links their own account with its password, like anyone.
    client.post(
        WELCOME,
        {"link": "1", "link-email": "clerk@example.test", "link-password": DEFAULT_PASSWORD},
    )
    assert client.session["_auth_user_id"] == str(clerk.pk)
    assert client.session[CHANNEL_KEY] == NATIONAL_NODE
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for path in ("/backoffice/", "/admin/", "/konto/2fa/", "/konto/2fa/konfiguracja/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"That login is for your own matters as a citizen only" in response.content
    assert client.get("/konto/profil/").status_code == 200  # their citizen pages
    entry = AuditEntry.objects.filter(action="nodelogin.logged_in").latest("pk")
    assert entry.after["staff_account"] is True
