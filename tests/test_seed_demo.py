import json

import pytest
from django.core.management import call_command

from offices.models import StaffMembership
from sekap.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_working_logins(settings, tmp_path, capsys, client):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    first = capsys.readouterr().out
    users, memberships = User.objects.count(), StaffMembership.objects.count()
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert (User.objects.count(), StaffMembership.objects.count()) == (users, memberships)
    assert first.endswith(second)  # the same logins every time (first run also seeds offices)
    logins = json.loads((tmp_path / "demo_logins.json").read_text())
    assert "cpd@sekap.example" in first and logins["cpd@sekap.example"]["totp_key"]
    citizen = "jan.kowalski@sekap.example"
    assert User.objects.get(email=citizen).is_identity_verified
    response = client.post(
        "/konto/logowanie/", {"username": citizen, "password": logins[citizen]["password"]}
    )
    assert response.status_code == 302
