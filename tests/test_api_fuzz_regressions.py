"""Server errors the API fuzzer (schemathesis, .ci/fuzz) found, each pinned by a test."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents.models import Submission
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    return client


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_submission_with_document_as_text_field_is_a_400_not_a_500(api, form):
    data = {"service": 1, "document": "<Dokument/>"}
    if form == "multipart":
        response = api.post("/api/v1/submissions/", data, format="multipart")
    else:
        response = api.post(
            "/api/v1/submissions/",
            "service=1&document=%3CDokument%2F%3E",
            content_type="application/x-www-form-urlencoded",
        )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "document": ["Attach the signed XML document as a file (multipart)."]
    }
    assert not Submission.objects.exists()
