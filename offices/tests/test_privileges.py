"""Privileges derived from memberships follow the memberships' validity windows and removal:
an expired office administrator no longer manages the office, a removed CPD administrator is
no longer a superuser, and an account made superuser outside the registry keeps the flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from offices.models import Department, StaffMembership, StaffRole
from offices.privileges import staff_privileges_refresh, staff_privileges_sync
from offices.selectors import offices_managed_names, user_manages_office
from offices.services import membership_grant, registry_delete, registry_save
from offices.tasks import staff_privileges_refresh as refresh_task
from offices.tests.factories import OfficeFactory
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def office():
    return OfficeFactory()


@pytest.fixture
def cpd(settings):
    office = OfficeFactory()
    settings.CPD_OFFICE_TERC = office.terc
    return office


def _synced_entries(user: User) -> list[dict]:
    return [
        e.after
        for e in AuditEntry.objects.filter(action="offices.privileges.synced").order_by("pk")
        if e.target_id == str(user.pk)
    ]


def test_an_expired_office_administrator_loses_the_office_at_the_refresh(office):
    admin = StaffFactory()
    membership = membership_grant(
        actor=None, user=admin, office=office, role=StaffRole.OFFICE_ADMIN
    )
    assert user_manages_office(_fresh(admin), office)
    StaffMembership.objects.filter(pk=membership.pk).update(valid_to=timezone.localdate() - DAY)

    assert staff_privileges_refresh() == 1

    admin = _fresh(admin)
    assert not user_manages_office(admin, office)
    assert offices_managed_names(user=admin) == []
    with pytest.raises(NotAllowed):
        registry_save(
            actor=admin, obj=Department(office=office, symbol="XX", name="X"), before=None
        )
    assert _synced_entries(admin)[-1]["offices_withdrawn"] == [office.terc]


def test_a_future_administrator_gains_the_office_when_the_window_opens(office):
    admin = StaffFactory()
    tomorrow = timezone.localdate() + DAY
    StaffMembership.objects.create(
        user=admin, office=office, role=StaffRole.OFFICE_ADMIN, valid_from=tomorrow
    )

    assert not staff_privileges_sync(user=admin)
    assert not user_manages_office(_fresh(admin), office)

    assert staff_privileges_refresh(on=tomorrow) == 1
    assert user_manages_office(_fresh(admin), office)


def test_the_refresh_is_idempotent_and_audits_each_change_once(office):
    admin = StaffFactory()
    StaffMembership.objects.create(
        user=admin, office=office, role=StaffRole.OFFICE_ADMIN, valid_to=timezone.localdate() - DAY
    )
    from guardian.shortcuts import assign_perm

    assign_perm("offices.manage_office", admin, office)  # as granted before the window closed

    assert staff_privileges_refresh() == 1
    assert staff_privileges_refresh() == 0
    assert len(_synced_entries(admin)) == 1


def test_a_removed_cpd_administrator_is_no_longer_a_superuser(cpd):
    root = StaffFactory(is_superuser=True)
    person = StaffFactory()
    membership = membership_grant(actor=root, user=person, office=cpd, role=StaffRole.CPD_ADMIN)
    assert _fresh(person).is_superuser

    registry_delete(actor=root, obj=membership)

    assert not _fresh(person).is_superuser
    assert _synced_entries(person)[-1]["superuser"] is False


def test_an_expired_cpd_administrator_is_no_longer_a_superuser(cpd):
    person = StaffFactory()
    membership = membership_grant(actor=None, user=person, office=cpd, role=StaffRole.CPD_ADMIN)
    StaffMembership.objects.filter(pk=membership.pk).update(valid_to=timezone.localdate() - DAY)

    refresh_task.delay()  # the beat's task, run as the beat runs it

    assert not _fresh(person).is_superuser


def test_a_cpd_membership_elsewhere_never_makes_a_superuser(cpd, office):
    person = StaffFactory()
    StaffMembership.objects.create(user=person, office=office, role=StaffRole.CPD_ADMIN)
    assert not staff_privileges_sync(user=person)
    assert not _fresh(person).is_superuser


def test_a_superuser_made_outside_the_registry_keeps_the_flag(cpd):
    root = StaffFactory(is_superuser=True)
    assert staff_privileges_refresh() == 0
    assert not staff_privileges_sync(user=root)
    assert _fresh(root).is_superuser


def test_the_refresh_runs_every_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["offices-staff-privileges-refresh"]
    assert entry["task"] == "offices.tasks.staff_privileges_refresh"
    assert entry["schedule"].minute == {1}
    assert entry["schedule"].hour == set(range(24))


def test_an_expired_administrator_loses_the_admin_site_at_the_refresh(office):
    admin = StaffFactory()
    membership = membership_grant(
        actor=None, user=admin, office=office, role=StaffRole.OFFICE_ADMIN
    )
    assert _fresh(admin).is_staff  # the admin site's door opens with the membership
    StaffMembership.objects.filter(pk=membership.pk).update(valid_to=timezone.localdate() - DAY)

    assert staff_privileges_refresh() == 1

    assert not _fresh(admin).is_staff
    assert _synced_entries(admin)[-1]["staff"] is False


def test_a_removed_administrator_loses_the_admin_site_at_once(office):
    root = StaffFactory(is_superuser=True)
    admin = StaffFactory()
    membership = membership_grant(
        actor=root, user=admin, office=office, role=StaffRole.OFFICE_ADMIN
    )
    StaffMembership.objects.filter(pk=membership.pk).update(valid_to=timezone.localdate() - DAY)
    staff_privileges_refresh()  # the permission went first: only the deletion says whose flag
    User.objects.filter(pk=admin.pk).update(is_staff=True)

    registry_delete(actor=root, obj=membership)

    assert not _fresh(admin).is_staff


def test_a_future_administrator_opens_the_admin_site_only_when_the_window_opens(office):
    admin = StaffFactory()
    tomorrow = timezone.localdate() + DAY
    membership_grant(actor=None, user=admin, office=office, role=StaffRole.REGISTRY_CLERK)
    StaffMembership.objects.create(
        user=admin, office=office, role=StaffRole.OFFICE_ADMIN, valid_from=tomorrow
    )

    assert not staff_privileges_sync(user=admin)
    assert not _fresh(admin).is_staff

    staff_privileges_refresh(on=tomorrow)
    assert _fresh(admin).is_staff


def test_staff_made_outside_the_registry_keeps_the_admin_site(office):
    operator = StaffFactory(is_staff=True)  # e.g. made in the admin by a superuser
    membership_grant(actor=None, user=operator, office=office, role=StaffRole.REGISTRY_CLERK)

    assert staff_privileges_refresh() == 0
    assert not staff_privileges_sync(user=operator)
    assert _fresh(operator).is_staff
