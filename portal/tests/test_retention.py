"""Retention of drafts never sent (issue 17 item 2): a notice first, deletion only after it,
a save starts over, sent drafts untouched, every step idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from documents.tests.fixtures import make_service
from portal.models import Draft, DraftStatus
from portal.services.retention import drafts_expired_delete, drafts_expiry_notify
from portal.tasks import drafts_retention
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _draft(setup, owner, *, saved: dt.datetime, status=DraftStatus.FILLING) -> Draft:
    draft = Draft.objects.create(
        owner=owner, service=setup.service, version=setup.version, status=status
    )
    Draft.objects.filter(pk=draft.pk).update(updated_at=saved)
    return draft


def _day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_notice_then_deletion_after_the_notice_period(django_capture_on_commit_callbacks):
    setup = make_service()
    anna = UserFactory(email="anna@example.test")
    old = _draft(setup, anna, saved=T0)
    fresh = _draft(setup, anna, saved=_day(70))
    sent = _draft(setup, anna, saved=T0, status=DraftStatus.SUBMITTED)

    assert drafts_expiry_notify(now=_day(75)) == 0  # 90 - 14 = 76 days
    with django_capture_on_commit_callbacks(execute=True):
        assert drafts_expiry_notify(now=_day(77)) == 1
        assert drafts_expiry_notify(now=_day(78)) == 0  # told once
    assert [m.to for m in mail.outbox] == [["anna@example.test"]]
    assert "- Wniosek testowy: 31.05.2026" in mail.outbox[0].body  # saved 2 March + 90 days
    assert mail.outbox[0].subject == "SEKAP: wersje robocze, które zostaną usunięte"
    assert "/wnioski/robocze/" in mail.outbox[0].body

    assert drafts_expired_delete(now=_day(90)) == 0  # notice only 13 days old
    assert drafts_expired_delete(now=_day(91)) == 1
    assert drafts_expired_delete(now=_day(92)) == 0
    assert set(Draft.objects.values_list("pk", flat=True)) == {fresh.pk, sent.pk}
    entry = AuditEntry.objects.get(action="portal.draft.expired")
    assert entry.target_id == str(old.pk) and entry.actor_id is None


def test_never_deleted_without_a_notice_and_a_save_starts_over():
    setup = make_service()
    anna = UserFactory()
    draft = _draft(setup, anna, saved=T0)
    assert drafts_expired_delete(now=_day(400)) == 0  # the notice job never ran
    drafts_expiry_notify(now=_day(400))
    Draft.objects.filter(pk=draft.pk).update(updated_at=_day(401))  # the owner saves it
    assert drafts_expired_delete(now=_day(420)) == 0
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert drafts_expiry_notify(now=_day(401 + 77)) == 1  # a new period, a new notice


def test_the_beat_job_runs_both_steps(settings):
    settings.PORTAL_DRAFT_KEEP_DAYS, settings.PORTAL_DRAFT_NOTICE_DAYS = 30, 7
    setup = make_service()
    draft = _draft(setup, UserFactory(), saved=timezone.now() - dt.timedelta(days=40))
    Draft.objects.filter(pk=draft.pk).update(expiry_notice_at=timezone.now() - dt.timedelta(days=8))
    assert drafts_retention.apply().get() == {"told": 0, "deleted": 1}
    assert drafts_retention.apply().get() == {"told": 0, "deleted": 0}
