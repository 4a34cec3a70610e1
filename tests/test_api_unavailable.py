"""The API when the database cannot be reached (found by the fault drill, tests/drills: while
PostgreSQL restarted, submissions were answered 500). Now 503 problem details with
Retry-After, so a client sends the request again, and nothing is stored."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents.models import Submission
from documents.tests.fixtures import (  # noqa: F401
    ca,
    citizen,
    document_for,
    pki_dir,
    sekap_trust,
    setup,
)

pytestmark = pytest.mark.django_db


def _connection_lost(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_submission_answered_503_with_retry_after_while_the_database_is_down(
    setup,  # noqa: F811
    citizen,  # noqa: F811
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen.user).key}")
    signed = citizen.sign(document_for(setup, note="during a restart"))
    with connection.execute_wrapper(_connection_lost):
        refused = api.post(
            f"/api/v1/submissions/?service={setup.service.pk}",
            signed,
            content_type="application/xml",
            HTTP_IDEMPOTENCY_KEY="drill-1",
        )
    assert refused.status_code == 503
    assert refused["Retry-After"] == "5"
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "temporarily_unavailable"
    assert not Submission.objects.exists()
    # sent again once the database is back: accepted, once
    again = api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        signed,
        content_type="application/xml",
        HTTP_IDEMPOTENCY_KEY="drill-1",
    )
    assert again.status_code == 201
    assert Submission.objects.count() == 1


def test_the_503_title_is_polish_by_default():
    api = APIClient()
    with connection.execute_wrapper(_connection_lost):
        refused = api.get("/api/v1/submissions/", HTTP_AUTHORIZATION="Token x")
    assert refused.status_code == 503
    assert (
        refused.json()["title"]
        == "Usługa jest chwilowo niedostępna. Wyślij żądanie ponownie za chwilę."
    )
