"""The ESP pull API: registry clerks with a second factor and machine tokens only; confirmation
by submission id (issue 10, item 2)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents import services
from documents.models import EspToken, Submission
from documents.tests.fixtures import document_for
from offices.models import StaffMembership
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed
from tests.support import require_postgresql

pytestmark = pytest.mark.django_db


def _file(setup, citizen, *, key: str, signed: bytes | None = None) -> Submission:
    return services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed or citizen.sign(document_for(setup, note=key)),
        idempotency_key=key,
        channel="portal",
    )


def _base(setup) -> str:
    return f"/api/v1/esp/{setup.office.terc}"


def _machine(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _staff(setup, role: str):
    user = StaffFactory()
    StaffMembership.objects.create(user=user, office=setup.office, role=role)
    return user


def test_clerk_with_a_password_only_cannot_pull_or_confirm(setup, citizen):
    submission = _file(setup, citizen, key="a")
    base = _base(setup)
    clerk = _staff(setup, "clerk")
    registry = _staff(setup, "registry_clerk")

    # a personal API token (obtained with the password) is not accepted on this interface
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=registry).key}")
    assert by_token.get(f"{base}/next/").status_code == 401
    # a browser session without the second factor
    session = APIClient()
    session.force_login(registry)
    refused = session.post(f"{base}/confirm/", {"id": str(submission.public_id)}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "esp.second_factor_required"
    assert session.get(f"{base}/next/").status_code == 403
    # a clerk who is not in the registry, even with the second factor
    other = APIClient()
    login_with_second_factor(other, clerk)
    refused = other.get(f"{base}/next/")
    assert refused.status_code == 403 and refused.json()["code"] == "esp.role_required"
    assert other.post(f"{base}/confirm/", {"id": str(submission.public_id)}).status_code == 403

    submission.refresh_from_db()
    assert submission.esp_confirmed_at is None
    assert not AuditEntry.objects.filter(action__startswith="documents.esp_").exists()
    assert not AuditEntry.objects.filter(action="documents.document.read").exists()


def test_registry_clerk_with_second_factor_pulls_and_confirms_by_id(setup, citizen):
    submission = _file(setup, citizen, key="a")
    base = _base(setup)
    registry = _staff(setup, "registry_clerk")
    client = APIClient()
    login_with_second_factor(client, registry)

    assert client.get(f"{base}/waiting/").json() == {"count": 1}
    item = client.get(f"{base}/next/").json()
    assert item["id"] == str(submission.public_id)
    assert client.post(f"{base}/confirm/", {"id": str(OfficeFactory().pk)}).status_code == 400
    wrong = client.post(f"{base}/confirm/", {"id": item["id"], "sha256": "0" * 64})
    assert wrong.status_code == 409 and wrong.json()["code"] == "esp.digest_mismatch"
    confirmed = client.post(f"{base}/confirm/", {"id": item["id"], "sha256": item["sha256"]})
    assert confirmed.status_code == 200
    submission.refresh_from_db()
    assert submission.esp_confirmed_by == registry and submission.esp_confirmed_token is None
    assert client.get(f"{base}/next/").status_code == 204


def test_machine_token_issued_used_revoked_and_audited(setup, citizen):
    submission = _file(setup, citizen, key="a")
    base = _base(setup)
    admin = StaffFactory(is_superuser=True)
    token, secret = services.esp_token_issue(office=setup.office, name="EZD", actor=admin)
    _other, other_secret = services.esp_token_issue(
        office=OfficeFactory(), name="EZD obcy", actor=admin
    )

    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not EspToken.objects.filter(key_hash=secret).exists()
    assert _machine(other_secret).get(f"{base}/next/").status_code == 403  # another office's
    assert _machine(secret + "x").get(f"{base}/next/").status_code == 401
    machine = _machine(secret)
    assert machine.get(f"{base}/waiting/").json() == {"count": 1}
    assert machine.get(f"{base}/next/").json()["id"] == str(submission.public_id)
    assert (
        machine.post(
            f"{base}/confirm/", {"id": str(submission.public_id)}, format="json"
        ).status_code
        == 200
    )
    submission.refresh_from_db()
    assert submission.esp_confirmed_token == token and submission.esp_confirmed_by is None
    token.refresh_from_db()
    assert token.last_used_at is not None

    services.esp_token_revoke(token=token, actor=admin)
    assert machine.get(f"{base}/waiting/").status_code == 401
    entries = AuditEntry.objects.filter(
        action__in=[
            "documents.esp_token_issued",
            "documents.document.read",
            "documents.esp_confirmed",
            "documents.esp_token_revoked",
        ]
    ).order_by("seq")
    assert [e.action for e in entries] == [
        "documents.esp_token_issued",
        "documents.esp_token_issued",
        "documents.document.read",
        "documents.esp_confirmed",
        "documents.esp_token_revoked",
    ]
    assert entries[2].after["esp_token"] == token.pk and entries[3].after["esp_token"] == token.pk
    assert all(secret not in str(e.after) for e in entries)


def test_only_cpd_or_the_offices_admin_manage_tokens(setup):
    clerk = _staff(setup, "registry_clerk")
    with pytest.raises(NotAllowed):
        services.esp_token_issue(office=setup.office, name="EZD", actor=clerk)
    assert not EspToken.objects.exists()


def test_token_command_issues_lists_and_revokes(setup, capsys):
    call_command("esp_token", "issue", "--office", setup.office.terc, "--name", "EZD serwer")
    out = capsys.readouterr().out.splitlines()
    secret = out[1]
    token = EspToken.objects.get()
    assert (
        secret.startswith("sekap_esp_")
        and token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    )
    call_command("esp_token", "list", "--office", setup.office.terc)
    listed = capsys.readouterr().out
    assert "active" in listed and "EZD serwer" in listed and secret not in listed
    call_command("esp_token", "revoke", str(token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(
        AuditEntry.objects.filter(action__startswith="documents.esp_token")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["documents.esp_token_issued", "documents.esp_token_revoked"]


@pytest.mark.postgres
def test_duplicate_documents_do_not_jam_the_queue_on_postgresql(setup, citizen):
    """Two submissions of the same bytes share a SHA-256. Confirming by SHA-256 picked the
    already confirmed one on PostgreSQL (NULLs sort last), so the second stayed at the head of
    the queue for ever; confirmation by id drains it."""
    require_postgresql(
        connection.vendor, "PostgreSQL sorts NULLs last; the bug does not show on SQLite"
    )
    signed = citizen.sign(document_for(setup))
    first = _file(setup, citizen, key="1", signed=signed)
    second = _file(setup, citizen, key="2", signed=signed)
    assert first.sha256 == second.sha256
    _token, secret = services.esp_token_issue(office=setup.office, name="EZD", actor=None)
    machine, base = _machine(secret), _base(setup)

    for expected in (first, second):
        item = machine.get(f"{base}/next/").json()
        assert item["id"] == str(expected.public_id)
        body = {"id": item["id"], "sha256": item["sha256"]}
        assert machine.post(f"{base}/confirm/", body, format="json").status_code == 200
    assert machine.get(f"{base}/waiting/").json() == {"count": 0}
    assert machine.get(f"{base}/next/").status_code == 204


def test_office_admin_issues_and_revokes_tokens_on_the_back_office_page(setup, client):
    from offices.models import StaffRole
    from offices.services import membership_grant

    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=setup.office, role=StaffRole.OFFICE_ADMIN)
    outsider = StaffFactory()
    membership_grant(actor=None, user=outsider, office=OfficeFactory(), role="office_admin")
    url = f"/backoffice/esp/{setup.office.terc}/tokeny/"

    login_with_second_factor(client, outsider)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "issue", "name": "EZD"}).status_code == 403
    client.logout()
    registry = _staff(setup, "registry_clerk")
    login_with_second_factor(client, registry)
    assert client.get(url).status_code == 403
    assert not EspToken.objects.exists()
    client.logout()

    login_with_second_factor(client, admin)
    empty = client.post(url, {"action": "issue", "name": " "})
    assert empty.status_code == 200 and b"error-summary" in empty.content
    issued = client.post(url, {"action": "issue", "name": "EZD serwer"})
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    secret = issued.context["secret"]
    token = EspToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.encode() in issued.content
    assert secret.encode() not in client.get(url).content  # shown once
    assert _machine(secret).get(f"{_base(setup)}/waiting/").status_code == 200

    assert client.post(url, {"action": "revoke", "token": "x"}).status_code == 404
    revoked = client.post(url, {"action": "revoke", "token": str(token.pk)})
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
    assert _machine(secret).get(f"{_base(setup)}/waiting/").status_code == 401
