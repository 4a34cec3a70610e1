"""``SESSION_ENGINE = "sekap.accounts.session_cached_db"``: the sessions of ``session_db`` with
Django's cache in front (reads from the cache, writes through to ``accounts.UserSession``)."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from .session_db import UserSessionMixin


class SessionStore(UserSessionMixin, cached_db.SessionStore):
    pass
