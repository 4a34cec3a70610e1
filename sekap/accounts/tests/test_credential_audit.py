"""Password, API token and TOTP device changes land in the audit trail, wherever they are made."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from sekap.accounts.tests.factories import (
    StaffFactory,
    UserFactory,
    add_totp_device,
    login_with_second_factor,
)
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-completely-new-secret-77"


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@pytest.fixture
def superuser_client(client):
    admin = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, admin)
    return client, admin


def _entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_admin_password_change_is_audited_without_the_password(superuser_client):
    client, admin = superuser_client
    person = UserFactory()

    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    [entry] = _entries("accounts.password.changed")
    assert entry.actor_id == admin.pk and entry.target_id == str(person.pk)
    assert entry.after == {"channel": "admin", "usable": True}
    assert NEW_PASSWORD not in str(entry.before) + str(entry.after)


def test_refused_admin_password_change_writes_no_entry(superuser_client):
    client, _ = superuser_client
    person = UserFactory()

    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": "different", "set_usable_password": "true"},
    )

    assert response.status_code == 200
    assert _entries("accounts.password.changed") == []


def test_password_reset_by_link_is_audited(client):
    person = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    form_url = client.get(f"/konto/haslo/{uid}/{token}/")["Location"]

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    [entry] = _entries("accounts.password.changed")
    assert entry.actor_id == person.pk and entry.target_id == str(person.pk)
    assert entry.after == {"channel": "reset", "usable": True}


def test_token_issued_and_revoked_in_the_admin_are_audited(superuser_client):
    client, admin = superuser_client
    person = UserFactory()

    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": person.pk})

    assert response.status_code == 302
    token = Token.objects.get(user=person)
    [issued] = _entries("accounts.api_token.issued")
    assert issued.actor_id == admin.pk and issued.target_id == str(person.pk)
    assert issued.after == {"token": _fingerprint(token.key)}
    assert token.key not in str(issued.after)

    response = client.post(
        f"/admin/authtoken/tokenproxy/{person.pk}/delete/", {"post": "yes"}, follow=False
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=person).exists()
    [revoked] = _entries("accounts.api_token.revoked")
    assert revoked.actor_id == admin.pk and revoked.before == {"token": _fingerprint(token.key)}


def test_token_command_replaces_the_old_token_and_is_audited(capsys):
    person = UserFactory()
    old = Token.objects.create(user=person)

    call_command("api_token_issue", person.email)

    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=person).key == key != old.key
    [entry] = _entries("accounts.api_token.issued")
    assert entry.before == {"token": _fingerprint(old.key)}
    assert entry.after == {"token": _fingerprint(key)}


def test_totp_device_changes_in_the_admin_are_audited(superuser_client):
    client, admin = superuser_client
    clerk = StaffFactory(is_staff=True)
    device = add_totp_device(clerk)
    base = f"/admin/otp_totp/totpdevice/{device.pk}"
    page = client.get(f"{base}/change/")
    assert page.status_code == 200
    assert device.key.encode() not in page.content  # OTP_ADMIN_HIDE_SENSITIVE_DATA
    assert client.get(f"{base}/config/").status_code == 403

    response = client.post(
        f"{base}/change/",
        {
            "user": clerk.pk,
            "name": "renamed",
            "confirmed": "",
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
            "key": device.key,
        },
    )

    assert response.status_code == 302, response.content[:2000]
    [changed] = _entries("accounts.totp.changed")
    assert changed.actor_id == admin.pk and changed.target_id == str(clerk.pk)
    assert changed.before == {
        "device": device.pk,
        "name": "test",
        "confirmed": True,
        "user": clerk.pk,
    }
    assert changed.after == {
        "device": device.pk,
        "name": "renamed",
        "confirmed": False,
        "user": clerk.pk,
        "key_changed": False,
    }

    response = client.post(f"{base}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    [removed] = _entries("accounts.totp.removed")
    assert removed.actor_id == admin.pk and removed.before["device"] == device.pk


def test_totp_bulk_delete_in_the_admin_audits_each_device(superuser_client):
    client, admin = superuser_client
    devices = [add_totp_device(StaffFactory(is_staff=True)) for _ in range(2)]

    response = client.post(
        "/admin/otp_totp/totpdevice/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"},
    )

    assert response.status_code == 302
    removed = _entries("accounts.totp.removed")
    assert {e.actor_id for e in removed} == {admin.pk}
    assert sorted(e.before["device"] for e in removed) == sorted(d.pk for d in devices)
