"""A leaver's sessions end by the user id kept beside each session (``UserSession.user_id``),
on the database engine and on the cached one: one query for the keys and one delete, whatever
the number of live sessions, and nobody else's session is touched."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sekap.accounts.models import UserSession
from sekap.accounts.services import account_deactivate, user_sessions_end
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENGINES = ["sekap.accounts.session_db", "sekap.accounts.session_cached_db"]
PRIVATE_PAGE = "/skrzynka/"  # the citizen's inbox: anonymous visitors go to the login page


@pytest.fixture(params=ENGINES)
def engine(request, settings) -> str:
    settings.SESSION_ENGINE = request.param
    return request.param


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _loads(key: str) -> bool:
    """Does the engine still hand out the session (from the cache first on cached_db)?"""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return bool(store(session_key=key).load())


def test_the_session_row_names_its_user_and_anonymous_sessions_none(engine):
    user = UserFactory()
    client = _logged_in(user)
    assert UserSession.objects.get(session_key=_key(client)).user_id == user.pk
    anonymous = import_module(engine).SessionStore()
    anonymous["seen"] = True
    anonymous.save()
    assert UserSession.objects.get(session_key=anonymous.session_key).user_id is None


def test_deactivation_ends_the_leavers_sessions_only(engine):
    leaver, other = UserFactory(), UserFactory()
    leaver_clients = [_logged_in(leaver) for _ in range(3)]
    other_client = _logged_in(other)
    assert leaver_clients[0].get(PRIVATE_PAGE).status_code == 200

    closed = account_deactivate(user=leaver, actor=None, reason="leaver")

    assert closed.sessions_ended == 3
    assert not UserSession.objects.filter(user_id=leaver.pk).exists()
    assert not any(_loads(_key(c)) for c in leaver_clients)  # nor from the cache
    assert _loads(_key(other_client))
    assert other_client.get(PRIVATE_PAGE).status_code == 200
    # the session opened before is refused, even once the account is active again
    leaver.is_active = True
    leaver.save(update_fields=["is_active"])
    refused = leaver_clients[0].get(PRIVATE_PAGE)
    assert refused.status_code == 302
    assert "/logowanie/" in refused["Location"]


def _queries_to_end(sessions: int) -> int:
    leaver = UserFactory()
    others = UserFactory.create_batch(2)
    for n in range(sessions):
        _logged_in(leaver)
        _logged_in(others[n % 2])
    with CaptureQueriesContext(connection) as queries:
        assert user_sessions_end(user=leaver) == sessions
    assert UserSession.objects.filter(user_id__in=[o.pk for o in others]).count() == sessions
    return len(queries)


def test_the_queries_do_not_grow_with_the_live_sessions(engine):
    assert _queries_to_end(2) == _queries_to_end(30) == 2


def test_a_user_without_sessions_costs_one_query(engine):
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert user_sessions_end(user=user) == 0
    assert len(queries) == 1


def test_another_session_engine_fails_the_system_check(settings):
    from sekap.accounts.session_db import session_engine_check

    assert session_engine_check() == []
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert [m.id for m in session_engine_check()] == ["accounts.E001"]


def test_the_beat_job_deletes_expired_sessions_only(engine):
    import datetime as dt

    from django.utils import timezone

    from sekap.accounts.tasks import sessions_clear_expired

    live, expired = _key(_logged_in(UserFactory())), _key(_logged_in(UserFactory()))
    UserSession.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    sessions_clear_expired()
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]
