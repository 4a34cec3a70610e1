"""Certificate profile edits in the Django admin land in the audit trail (issue 10)."""

from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict

from certauth.models import Profile
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, citizen_profile):
    admin = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, admin)
    return client, admin


def _form_data(profile: Profile, **changes) -> dict:
    data = model_to_dict(profile, exclude=["id", "slug", "subject_kind"])
    data.update(changes)
    for key, value in list(data.items()):
        if isinstance(value, list | dict):
            data[key] = json.dumps(value)
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
            else:
                del data[key]
    return data


def test_turning_off_four_eyes_in_the_admin_is_audited(admin_client, citizen_profile):
    client, admin = admin_client
    profile = citizen_profile
    profile.four_eyes = True
    profile.save()
    url = f"/admin/certauth/profile/{profile.pk}/change/"

    response = client.post(url, _form_data(profile, four_eyes=False, validity_days=400))

    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert profile.four_eyes is False and profile.validity_days == 400
    [entry] = AuditEntry.objects.filter(action="certauth.profile.changed")
    assert entry.actor_id == admin.pk and entry.target_id == str(profile.pk)
    assert entry.before["four_eyes"] is True and entry.after["four_eyes"] is False
    assert entry.after["validity_days"] == 400


def test_deleting_a_profile_in_the_admin_is_audited(admin_client):
    client, admin = admin_client
    spare = Profile.objects.create(
        slug="spare",
        name="Spare",
        subject_kind=Profile.objects.first().subject_kind,
        validity_days=30,
    )

    response = client.post(f"/admin/certauth/profile/{spare.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Profile.objects.filter(slug="spare").exists()
    [entry] = AuditEntry.objects.filter(action="certauth.profile.deleted")
    assert entry.actor_id == admin.pk and entry.before["name"] == "Spare"
    assert entry.after is None


def test_staff_without_the_admin_permission_change_nothing(client, citizen_profile):
    clerk = StaffFactory(is_staff=True)
    login_with_second_factor(client, clerk)
    url = f"/admin/certauth/profile/{citizen_profile.pk}/change/"

    response = client.post(url, _form_data(citizen_profile, validity_days=1))

    assert response.status_code == 403
    citizen_profile.refresh_from_db()
    assert citizen_profile.validity_days != 1
    assert not AuditEntry.objects.filter(action__startswith="certauth.profile.").exists()
