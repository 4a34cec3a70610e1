"""Registration squatting (issue 10.6) and the unconfirmed-account journey (issue 9, portal 9)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from portal.tasks import unconfirmed_accounts_purge
from sekap.accounts.models import User
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

SQUATTER = {
    "kind": "citizen",
    "first_name": "Zły",
    "last_name": "Człowiek",
    "email": "ofiara@example.test",
    "password1": "haslo-napastnika-2026",
    "password2": "haslo-napastnika-2026",
    "consent": "on",
}
OWNER = {
    **SQUATTER,
    "first_name": "Olga",
    "last_name": "Właścicielka",
    "password1": "haslo-wlascicielki-77",
    "password2": "haslo-wlascicielki-77",
}


def links(outbox) -> list[str]:
    return [
        m.group(1)
        for message in outbox
        if (m := re.search(r"http://testserver(/konto/potwierdz/[^\s]+/)", message.body))
    ]


def register(client, data, capture):
    with capture(execute=True):
        response = client.post("/konto/rejestracja/", data)
    assert response.status_code == 302
    return response


def test_the_owner_registers_over_a_squatted_unconfirmed_account(
    client, django_capture_on_commit_callbacks
):
    register(client, SQUATTER, django_capture_on_commit_callbacks)
    register(client, OWNER, django_capture_on_commit_callbacks)
    user = User.objects.get(email="ofiara@example.test")
    assert (user.first_name, user.last_name) == ("Olga", "Właścicielka")
    assert user.check_password(OWNER["password1"]) and not user.check_password(
        SQUATTER["password1"]
    )
    first_link, second_link = links(mail.outbox)
    # The squatter's link stopped working; the owner's works with the owner's password.
    assert client.post(first_link, {"password": OWNER["password1"]}).status_code == 400
    response = client.post(second_link, {"password": OWNER["password1"]})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert AuditEntry.objects.filter(action="portal.account.registered_again").count() == 1


def test_a_squatter_registering_last_cannot_have_the_owner_activate_the_squatters_password(
    client, django_capture_on_commit_callbacks
):
    register(client, OWNER, django_capture_on_commit_callbacks)
    register(client, SQUATTER, django_capture_on_commit_callbacks)
    newest = links(mail.outbox)[-1]
    # The owner opens the newest link and enters their own password: refused, nothing changes.
    response = client.post(newest, {"password": OWNER["password1"]})
    assert response.status_code == 400
    user = User.objects.get(email="ofiara@example.test")
    assert not user.is_active
    # The owner registers again and wins.
    register(client, OWNER, django_capture_on_commit_callbacks)
    assert client.post(links(mail.outbox)[-1], {"password": OWNER["password1"]}).status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.check_password(OWNER["password1"])


def test_a_confirmed_account_is_never_registered_over(client, django_capture_on_commit_callbacks):
    owner = UserFactory(email="ofiara@example.test", first_name="Olga")
    register(client, SQUATTER, django_capture_on_commit_callbacks)
    owner.refresh_from_db()
    assert owner.first_name == "Olga" and owner.check_password("correct-horse-battery-42")
    assert links(mail.outbox) == []


def test_unconfirmed_accounts_expire_and_the_cleanup_is_idempotent(
    settings, client, django_capture_on_commit_callbacks
):
    settings.SEKAP_UNCONFIRMED_ACCOUNT_HOURS = 48
    register(client, SQUATTER, django_capture_on_commit_callbacks)
    fresh = {**OWNER, "email": "swiezy@example.test"}
    register(client, fresh, django_capture_on_commit_callbacks)
    User.objects.filter(email="ofiara@example.test").update(
        date_joined=timezone.now() - dt.timedelta(hours=49)
    )
    confirmed_old = UserFactory(email="stary@example.test")  # active: never touched
    User.objects.filter(pk=confirmed_old.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=400)
    )

    assert unconfirmed_accounts_purge() == 1
    assert unconfirmed_accounts_purge() == 0  # idempotent
    assert set(User.objects.values_list("email", flat=True)) == {
        "swiezy@example.test",
        "stary@example.test",
    }
    entry = AuditEntry.objects.get(action="portal.account.expired")
    assert entry.before["email"] == "ofiara@example.test"
    # The address is free again.
    register(client, OWNER, django_capture_on_commit_callbacks)
    assert User.objects.get(email="ofiara@example.test").first_name == "Olga"


def test_the_confirmation_link_expires_with_the_account(
    settings, client, django_capture_on_commit_callbacks
):
    register(client, OWNER, django_capture_on_commit_callbacks)
    (link,) = links(mail.outbox)
    settings.SEKAP_UNCONFIRMED_ACCOUNT_HOURS = 0
    assert client.post(link, {"password": OWNER["password1"]}).status_code == 400
    assert not User.objects.get(email="ofiara@example.test").is_active


def test_send_the_link_again_is_rate_limited_and_says_the_same_for_every_address(
    client, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    register(client, OWNER, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    answers = []
    for email in ("ofiara@example.test", "ofiara@example.test", "nikt@example.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/konto/rejestracja/ponownie/", {"email": email})
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, "/konto/rejestracja/wyslano/")] * 3
    assert [m.to for m in mail.outbox] == [["ofiara@example.test"]]  # once in 10 minutes
    link = links(mail.outbox)[0]
    assert client.post(link, {"password": OWNER["password1"]}).status_code == 302
    # A confirmed account gets nothing.
    cache.clear()
    mail.outbox.clear()
    client.post("/konto/rejestracja/ponownie/", {"email": "ofiara@example.test"})
    assert mail.outbox == []


def test_an_unconfirmed_account_is_told_so_only_with_the_right_password(en_client):
    client = en_client
    user = UserFactory(email="czeka@example.test", is_active=False)
    response = client.post(
        "/konto/logowanie/", {"username": "czeka@example.test", "password": "wrong-password-1"}
    )
    html = response.content.decode()
    assert "The e-mail address or password is wrong." in html
    assert "not active yet" not in html and "/konto/rejestracja/ponownie/" not in html
    response = client.post(
        "/konto/logowanie/",
        {"username": "czeka@example.test", "password": "correct-horse-battery-42"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your account is not active yet: confirm your e-mail address" in html
    assert 'action="/konto/rejestracja/ponownie/"' in html
    user.refresh_from_db()
    assert not user.is_active and user.last_login is None


def test_the_consent_links_to_the_privacy_notice_and_the_summary_reads_right(en_client):
    client = en_client
    page = client.get("/konto/rejestracja/").content.decode()
    assert 'href="/ochrona-danych/"' in page
    data = {k: v for k, v in OWNER.items() if k != "consent"}
    html = client.post("/konto/rejestracja/", data).content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index(
            "</div>", html.index('class="error-summary"')
        )
    ]
    assert "I have read how SEKAP processes my personal data: Confirm that you have read" in summary
    assert ".:" not in summary


@pytest.mark.parametrize(
    ("language", "legal_basis"), [("pl", "art. 6 ust. 1 lit. e RODO"), ("en", "art. 6(1)(e) RODO")]
)
def test_the_privacy_notice_names_the_controller_rights_and_the_supervisory_authority(
    client, settings, language, legal_basis
):
    settings.SEKAP_OPERATOR = {
        "name": "Województwo Śląskie",
        "address": "ul. Przykładowa 1, 40-000 Katowice",
        "email": "",
        "dpo_email": "iod@example.test",
    }
    response = client.get("/ochrona-danych/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Województwo Śląskie" in html and "ul. Przykładowa 1, 40-000 Katowice" in html
    assert "iod@example.test" in html and "Stawki 2, 00-193 Warszawa" in html
    assert legal_basis in html
