"""The session engine (``SESSION_ENGINE = "sekap.accounts.session_db"``): Django's database
sessions in ``accounts.UserSession``, whose ``user_id`` column names the user each session is
logged in as, so that a leaver's sessions end by one query. ``session_cached_db`` is the same
with the cache in front. A session naming Django's ``ModelBackend`` is read as naming ours
(``sekap.accounts.backends``: the same checks, the user's read prepared)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import db
from django.core import checks

from .backends import DJANGO_MODEL_BACKEND, MODEL_BACKEND


def user_id_of(data: dict) -> int | None:
    """The id of the user the session's data is logged in as (None: anonymous)."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class UserSessionMixin:
    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def load(self):
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == DJANGO_MODEL_BACKEND:
            data[BACKEND_SESSION_KEY] = MODEL_BACKEND
        return data

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        row.user_id = user_id_of(data)
        return row


class SessionStore(UserSessionMixin, db.SessionStore):
    pass


@checks.register(checks.Tags.security)
def session_engine_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A session engine that does not keep ``UserSession.user_id`` would let a leaver's
    sessions outlive ``account_deactivate``'s count (and their cached copies live on)."""
    from .models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    model = getattr(store, "get_model_class", lambda: None)()
    if model is UserSession:
        return []
    return [
        checks.Error(
            f"SESSION_ENGINE {settings.SESSION_ENGINE!r} does not store sessions in "
            "accounts.UserSession",
            hint='Use "sekap.accounts.session_db" or "sekap.accounts.session_cached_db".',
            id="accounts.E001",
        )
    ]
