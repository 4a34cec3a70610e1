"""Malware scanning of documents filed through ``POST /api/v1/submissions/`` (issue 10, item 10):
the document and each attachment carried in it (base64 in ``str:Zalacznik``) are scanned before
anything is stored.

Tests marked ``clamd_running`` need a real clamd (CI's second pass starts one with
.ci/start-clamd; elsewhere they need CLAMD_SOCKET or are skipped); the others run everywhere,
with clamd unreachable or with a stand-in for the clamd client.
"""

from __future__ import annotations

import base64

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents import services
from documents.models import InboxMessage, Receipt, Submission
from documents.tests.fixtures import (  # noqa: F401
    ca,
    citizen,
    document_for,
    pki_dir,
    sekap_trust,
    setup,
)
from forms_platform.tests.factories import PDF_BYTES
from sekap import antivirus
from sekap.audit.models import AuditEntry
from tests.support import EICAR

pytestmark = pytest.mark.django_db


def _signed(setup, citizen, *, attachment: bytes) -> bytes:  # noqa: F811
    """A signed document carrying ``skan.pdf`` with ``attachment`` as its content.

    The portal would refuse EICAR as an upload, so a sender's own software is imitated: the
    document is built with a clean PDF whose base64 is then replaced, and signed after that.
    """
    data = {
        "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
        "Rodzaj": "zwykla",
        "Skan": [{"name": "skan.pdf", "content": PDF_BYTES}],
    }
    xml = document_for(setup, data=data)
    clean = base64.b64encode(PDF_BYTES)
    assert xml.count(clean) == 1
    return citizen.sign(xml.replace(clean, base64.b64encode(attachment)))


def _post(user, signed: bytes, service):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client.post(
        f"/api/v1/submissions/?service={service.pk}",
        data=signed,
        content_type="application/xml",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _nothing_stored() -> None:
    assert Submission.objects.count() == 0
    assert Receipt.objects.count() == 0
    assert InboxMessage.objects.count() == 0
    assert not AuditEntry.objects.filter(action="documents.submission_received").exists()


def test_api_submission_with_eicar_attachment_refused_and_nothing_stored(
    setup,  # noqa: F811
    citizen,  # noqa: F811
    clamd_running,
):
    response = _post(citizen.user, _signed(setup, citizen, attachment=EICAR), setup.service)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "antivirus.malware_found"
    title = body["title"]
    assert title.startswith("The file “skan.pdf” contains malware (Sekap.Test.EICAR"), title
    assert response["Content-Type"] == "application/problem+json"
    _nothing_stored()


def test_api_clean_submission_with_attachment_accepted(
    setup,  # noqa: F811
    citizen,  # noqa: F811
    clamd_running,
):
    signed = _signed(setup, citizen, attachment=PDF_BYTES)
    response = _post(citizen.user, signed, setup.service)
    assert response.status_code == 201, response.content
    assert bytes(Submission.objects.get().document) == signed


def test_api_submission_refused_while_clamd_is_down(setup, citizen, settings):  # noqa: F811
    """Fail closed: scanning configured but clamd unreachable refuses with 503, stores nothing."""
    signed = _signed(setup, citizen, attachment=PDF_BYTES)
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    settings.CLAMD_HOST = ""
    response = _post(citizen.user, signed, setup.service)
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "antivirus.unavailable"
    assert body["title"] == (
        "Files cannot be checked for viruses right now; nothing was stored. Try later."
    )
    _nothing_stored()


class FakeClamd:
    """Stands in for the clamd client: answers as clamd would and records what it was sent."""

    def __init__(self) -> None:
        self.scanned: list[bytes] = []

    def instream(self, stream) -> dict:
        content = stream.read()
        self.scanned.append(content)
        if EICAR in content:
            return {"stream": ("FOUND", "Fake.EICAR")}
        return {"stream": ("OK", None)}


@pytest.fixture
def fake_clamd(settings, monkeypatch) -> FakeClamd:
    settings.CLAMD_SOCKET = "/fake/clamd.sock"
    fake = FakeClamd()
    monkeypatch.setattr(antivirus, "_client", lambda: fake)
    return fake


def test_each_attachment_is_scanned_decoded(setup, citizen, fake_clamd):  # noqa: F811
    signed = _signed(setup, citizen, attachment=EICAR)
    fake_clamd.scanned.clear()  # what building the document scanned
    response = _post(citizen.user, signed, setup.service)
    assert response.status_code == 400, response.content
    assert response.json()["title"] == (
        "The file “skan.pdf” contains malware (Fake.EICAR) and was not accepted."
    )
    # The whole document first (EICAR is base64 in it), then the attachment as decoded bytes.
    assert fake_clamd.scanned == [signed, EICAR]
    _nothing_stored()


def test_clean_document_and_attachment_scanned_then_stored(setup, citizen, fake_clamd):  # noqa: F811
    signed = _signed(setup, citizen, attachment=PDF_BYTES)
    fake_clamd.scanned.clear()  # what building the document scanned
    response = _post(citizen.user, signed, setup.service)
    assert response.status_code == 201, response.content
    assert fake_clamd.scanned == [signed, PDF_BYTES]
    assert Submission.objects.count() == 1


def test_portal_filings_already_scanned_are_not_scanned_again(setup, citizen, fake_clamd):  # noqa: F811
    """The portal scans each upload as it arrives and files under the draft's row lock."""
    signed = _signed(setup, citizen, attachment=PDF_BYTES)
    fake_clamd.scanned.clear()  # what building the document scanned
    services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="k1",
        channel="portal",
        scanned=True,
    )
    assert fake_clamd.scanned == []
    assert Submission.objects.count() == 1
