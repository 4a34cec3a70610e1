"""Accounts unused for years: a notice, then deactivation if nobody logs in; staff untouched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from sekap.accounts.models import User
from sekap.accounts.retention import inactive_accounts_deactivate, inactive_accounts_warn
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _seen(user, when):
    User.objects.filter(pk=user.pk).update(last_login=when, date_joined=when)


def test_notice_then_deactivation_unless_the_person_comes_back(
    django_capture_on_commit_callbacks,
):
    gone = UserFactory(email="gone@example.test")
    back = UserFactory(email="back@example.test")
    recent = UserFactory()
    clerk = StaffFactory()
    for user in (gone, back, clerk):
        _seen(user, NOW - dt.timedelta(days=4 * 365))
    _seen(recent, NOW - dt.timedelta(days=400))

    with django_capture_on_commit_callbacks(execute=True):
        assert inactive_accounts_warn(now=NOW) == 2
        assert inactive_accounts_warn(now=NOW + dt.timedelta(days=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["back@example.test", "gone@example.test"]
    assert "Zostanie ono dezaktywowane 30.12.2026" in mail.outbox[0].body

    _seen(back, NOW + dt.timedelta(days=3))  # logs in after the notice
    assert inactive_accounts_deactivate(now=NOW + dt.timedelta(days=29)) == 0
    assert inactive_accounts_deactivate(now=NOW + dt.timedelta(days=30)) == 1
    assert inactive_accounts_deactivate(now=NOW + dt.timedelta(days=31)) == 0
    active = dict(User.objects.values_list("email", "is_active"))
    assert active["gone@example.test"] is False
    assert active["back@example.test"] and active[recent.email] and active[clerk.email]
    assert AuditEntry.objects.filter(action="accounts.user.deactivated_unused").count() == 1


def test_deactivation_needs_a_notice_first():
    user = UserFactory()
    _seen(user, NOW - dt.timedelta(days=10 * 365))
    assert inactive_accounts_deactivate(now=NOW) == 0
    assert User.objects.get(pk=user.pk).is_active
