"""The login's expired records are purged by an idempotent beat job."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.conf import settings
from django.utils import timezone

from sekap.nodelogin import tasks
from sekap.nodelogin.models import NodeSession, UsedMessage
from sekap.nodelogin.records import login_records_purge

from .support import ANNA, login_as

pytestmark = pytest.mark.django_db


def _used(kind: str, digest: str, *, expires_in: dt.timedelta) -> None:
    now = timezone.now()
    UsedMessage.objects.create(kind=kind, digest=digest, used_at=now, expires_at=now + expires_in)


def _session(*, expires_in: dt.timedelta | None) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["x"] = 1
    store.create()
    if expires_in is not None:
        store.get_model_class().objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() + expires_in
        )
    return store.session_key


def test_expired_records_go_live_ones_stay_and_a_second_run_deletes_nothing(client):
    assert "nodelogin-records-purge" in settings.CELERY_BEAT_SCHEDULE
    _used("artifact", "a" * 64, expires_in=-dt.timedelta(minutes=1))
    _used("assertion", "b" * 64, expires_in=-dt.timedelta(hours=2))
    _used("artifact", "c" * 64, expires_in=dt.timedelta(minutes=30))
    # A real login through the (fake) node: its session runs, so its record stays.
    login_as(client, ANNA)
    client.post(
        "/konto/login-gov-pl/nowe-konto/",
        {"create": "1", "create-email": "anna@example.test", "create-consent": "on"},
    )
    live = NodeSession.objects.get()
    expired_key = _session(expires_in=-dt.timedelta(seconds=1))
    NodeSession.objects.create(session_key=expired_key, name_id="x", session_index="ended")
    NodeSession.objects.create(session_key="gone" * 8, name_id="y", session_index="deleted")

    first = login_records_purge()
    assert (first.used_messages, first.node_sessions) == (2, 2)
    # The login's own artifact and assertion are within the replay window: they stay.
    assert UsedMessage.objects.count() == 3
    assert not UsedMessage.objects.filter(expires_at__lt=timezone.now()).exists()
    assert list(NodeSession.objects.all()) == [live]

    again = tasks.login_records_purge.apply().get()
    assert again == {"used_messages": 0, "node_sessions": 0}
    assert NodeSession.objects.get() == live

    # Once the person logs out the record has nothing left to end.
    client.post("/konto/wylogowanie/")
    assert login_records_purge().node_sessions == 0  # logout already removed it
    assert not NodeSession.objects.exists()
