"""What the login leaves behind, purged once it can no longer matter (beat, idempotent).

* ``UsedMessage``: an artifact or assertion ID is kept for the replay window; after
  ``expires_at`` the node itself would refuse it as expired, so the row goes.
* ``NodeSession``: kept so the node's logout can end a platform session; once that session has
  ended (logged out, expired, removed) there is nothing left to end, so the row goes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from .models import NodeSession, UsedMessage

BATCH = 1000


@dataclass(frozen=True)
class PurgeResult:
    used_messages: int
    node_sessions: int


def _ended(keys: list[str], *, now: dt.datetime) -> set[str]:
    """The session keys among ``keys`` whose platform session no longer runs."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store_class, "get_model_class"):  # a database-backed engine (cached or not)
        model = store_class.get_model_class()
        alive = model.objects.filter(session_key__in=keys, expire_date__gt=now)
        return set(keys) - set(alive.values_list("session_key", flat=True))
    store = store_class()
    return {key for key in keys if not store.exists(key)}


def login_records_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Delete expired replay-cache rows and the records of ended sessions; running it again
    deletes nothing more."""
    now = now or timezone.now()
    used, _ = UsedMessage.objects.filter(expires_at__lt=now).delete()
    sessions = 0
    last_pk = 0
    while True:
        rows = list(
            NodeSession.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "session_key")[:BATCH]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        ended = _ended([key for _pk, key in rows], now=now)
        if ended:
            deleted, _ = NodeSession.objects.filter(
                pk__in=[pk for pk, key in rows if key in ended]
            ).delete()
            sessions += deleted
    return PurgeResult(used_messages=used, node_sessions=sessions)
