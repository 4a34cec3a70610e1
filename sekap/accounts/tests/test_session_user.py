"""The session's user is read on every request with SQL compiled once
(sekap.accounts.backends): as it is now (a deactivated or deleted user is refused on the very
next request), and sessions naming Django's ModelBackend are read the same way."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY

from sekap.accounts.backends import DJANGO_MODEL_BACKEND, MODEL_BACKEND
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


def _reads_of_users(calls: list[str]) -> list[str]:
    return [sql for sql in calls if 'FROM "accounts_user"' in sql]


def test_the_users_read_is_compiled_once_and_reads_the_row_as_it_is_now(client, compiled):
    clerk = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, clerk)
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
    assert client.get("/admin/").status_code == 200
    compiled.clear()
    assert client.get("/admin/").status_code == 200
    assert not _reads_of_users(compiled)

    User.objects.filter(pk=clerk.pk).update(is_active=False)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/logowanie/")

    other = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, other)
    assert client.get("/admin/").status_code == 200
    User.objects.filter(pk=other.pk).delete()
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/logowanie/")


def test_a_session_naming_djangos_backend_is_still_logged_in(client):
    clerk = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, clerk)
    session = client.session
    session[BACKEND_SESSION_KEY] = DJANGO_MODEL_BACKEND
    session.save()
    assert client.get("/admin/").status_code == 200
