import json

import pytest
from django.core.management import call_command

from offices.models import StaffMembership, StaffRole
from portal.tests.fixtures import (  # noqa: F401
    _catalogue_rows,
    ca,
    catalogue,
    pki_dir,
    platform_trust,
    sekap_trust,
)
from sekap.accounts.models import User

pytestmark = pytest.mark.django_db

CASE_ROLES = {StaffRole.REGISTRY_CLERK, StaffRole.CLERK, StaffRole.HEAD}


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


def test_every_demo_clerk_finds_work(settings, tmp_path, catalogue, platform_trust):  # noqa: F811
    """Issue 9 (portal 11): the demo filed its application where no demo clerk worked."""
    from documents.selectors import queue_for
    from forms_platform.seeding import seed_forms
    from offices.catalogue import catalogue_seed
    from portal.management.commands.seed_demo import DEMO_APPLICATIONS, DEMO_PEOPLE

    seed_forms(only={slug for _email, _terc, slug in DEMO_APPLICATIONS})
    catalogue_seed()
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing filed twice
    clerks = [email for email, *_rest, role, _symbol, _pesel in DEMO_PEOPLE if role in CASE_ROLES]
    assert len(clerks) == 4
    for email in clerks:
        queue = list(queue_for(staff=User.objects.get(email=email)))
        assert queue, f"{email} sees no case"
    from documents.models import Submission

    assert Submission.objects.count() == len(DEMO_APPLICATIONS)
