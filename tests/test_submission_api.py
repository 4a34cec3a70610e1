"""The business journey over HTTP: a document signed with the ``sekap-sign`` CLI, filed through
``POST /api/v1/submissions/``, receipted, processed, and followed through the API; the office's
own system pulls it through the ESP interface. Authorization by guessing ids."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents import services
from documents.api import SubmissionCreatedSerializer
from documents.models import Submission
from documents.services import intake, letter_send
from documents.services.receipts import UPO_NS
from documents.tests.fixtures import (  # noqa: F401
    ca,
    citizen,
    document_for,
    make_citizen,
    pesel,
    pki_dir,
    sekap_trust,
    setup,
)
from offices.identity import office_identity_change
from offices.models import OfficeIdentity, StaffMembership
from sekap.accounts.models import Company, Representation
from sekap.accounts.tests.factories import StaffFactory
from signatures import services as signatures
from tests.support import executed_statements

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def cli_sign(tmp_path: Path, xml: bytes, citizen) -> bytes:  # noqa: F811
    """Sign with the holder's command-line tool, as a business would."""
    (tmp_path / "doc.xml").write_bytes(xml)
    (tmp_path / "key.pem").write_bytes(
        citizen.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "cert.pem").write_bytes(citizen.chain[0].public_bytes(serialization.Encoding.PEM))
    (tmp_path / "chain.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in citizen.chain[1:])
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("sekap-sign")),  # the installed console script
            "sign",
            str(tmp_path / "doc.xml"),
            "-o",
            str(tmp_path / "signed.xml"),
            "--key",
            str(tmp_path / "key.pem"),
            "--cert",
            str(tmp_path / "cert.pem"),
            "--chain",
            str(tmp_path / "chain.pem"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return (tmp_path / "signed.xml").read_bytes()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_api_journey_with_cli_signed_document(tmp_path, setup, citizen):  # noqa: F811
    signed = cli_sign(tmp_path, document_for(setup), citizen)
    api = client_for(citizen.user)
    url = f"/api/v1/submissions/?service={setup.service.pk}"
    response = api.post(
        url, data=signed, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="order-1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received" and body["case_sign"] is None
    upo = body["upo_xml"].encode("utf-8")
    assert signatures.validate(upo).indication == "TOTAL_PASSED"
    assert api.get(body["upo_url"]).content == upo
    again = api.post(
        url, data=signed, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="order-1"
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Submission.objects.count() == 1

    submission = Submission.objects.get()
    assert bytes(submission.document) == signed
    # the hand-built 201 body says exactly what the documented serializer says
    submission.receipt.refresh_from_db()
    assert body == dict(SubmissionCreatedSerializer(submission).data)
    intake.intake_process(submission_id=submission.pk)
    detail = api.get(f"/api/v1/submissions/{body['id']}").json()
    assert detail["status"] == "processed"
    assert detail["signature_indication"] == "TOTAL_PASSED"
    assert detail["case_sign"].startswith("OR.1431.1.")
    assert detail["deadline"] is not None and detail["rpw"].startswith("RPW/1/")
    assert api.get(f"/api/v1/submissions/{body['id']}/document.xml").content == signed

    inbox = api.get("/api/v1/inbox/").json()
    kinds = sorted(m["kind"] for m in inbox["results"])
    assert kinds == ["notice", "receipt"]


def test_multipart_upload_and_problem_details(tmp_path, setup, citizen, settings):  # noqa: F811
    api = client_for(citizen.user)
    signed = citizen.sign(document_for(setup))
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = api.post(
        "/api/v1/submissions/",
        {
            "service": setup.service.pk,
            "document": SimpleUploadedFile("doc.xml", signed, content_type="application/xml"),
        },
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    unsigned = api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=document_for(setup, note="x"),
        content_type="application/xml",
    )
    assert unsigned.status_code == 400
    assert unsigned["Content-Type"] == "application/problem+json"
    assert unsigned.json()["code"] == "submission.unsigned"
    no_service = api.post(
        "/api/v1/submissions/?service=999999", data=signed, content_type="application/xml"
    )
    assert no_service.status_code == 400
    settings.SIGNATURES_MAX_DOCUMENT_BYTES = 2000
    big = api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=citizen.sign(document_for(setup, note="y" * 3000)),
        content_type="application/xml",
    )
    assert big.status_code == 413 and big.json()["code"] == "submission.too_large"
    assert APIClient().post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=signed,
        content_type="application/xml",
    ).status_code in (401, 403)
    assert Submission.objects.count() == 1


def test_guessing_ids_reveals_nothing(setup, ca, citizen, sekap_trust):  # noqa: F811
    owner_api = client_for(citizen.user)
    signed = citizen.sign(document_for(setup))
    created = owner_api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=signed,
        content_type="application/xml",
    ).json()
    submission = Submission.objects.get()
    intake.intake_process(submission_id=submission.pk)
    other = make_citizen(ca, pesel=pesel(21))
    api = client_for(other.user)
    for path in (
        f"/api/v1/submissions/{created['id']}",
        f"/api/v1/submissions/{created['id']}/upo.xml",
        f"/api/v1/submissions/{created['id']}/document.xml",
        f"/api/v1/submissions/{uuid.uuid4()}",
    ):
        assert api.get(path).status_code == 404, path
    message_ids = [m["id"] for m in owner_api.get("/api/v1/inbox/").json()["results"]]
    for pk in message_ids:
        assert api.get(f"/api/v1/inbox/{pk}/").status_code == 404
        assert api.post(f"/api/v1/inbox/{pk}/open/").status_code == 404
        assert api.get(f"/api/v1/inbox/{pk}/document.xml").status_code == 404
    assert api.get("/api/v1/inbox/").json()["count"] == 0
    assert api.get("/api/v1/submissions/").json()["count"] == 0
    assert owner_api.get("/api/v1/submissions/").json()["count"] == 1


def test_representative_files_for_company_and_colleague_sees_it(setup, ca, sekap_trust):  # noqa: F811
    rep = make_citizen(ca, pesel=pesel(31))
    colleague = make_citizen(ca, pesel=pesel(32))
    stranger = make_citizen(ca, pesel=pesel(33))
    company = Company.objects.create(name="Firma Sp. z o.o.", nip="5260250274")
    for person in (rep, colleague):
        Representation.objects.create(company=company, user=person.user, status="approved")
    signed = rep.sign(document_for(setup))
    api = client_for(rep.user)
    created = api.post(
        f"/api/v1/submissions/?service={setup.service.pk}&company={company.nip}",
        data=signed,
        content_type="application/xml",
    )
    assert created.status_code == 201, created.content
    assert created.json()["company_nip"] == company.nip
    sub_id = created.json()["id"]
    assert client_for(colleague.user).get(f"/api/v1/submissions/{sub_id}").status_code == 200
    assert client_for(stranger.user).get(f"/api/v1/submissions/{sub_id}").status_code == 404
    refused = client_for(stranger.user).post(
        f"/api/v1/submissions/?service={setup.service.pk}&company={company.nip}",
        data=stranger.sign(document_for(setup)),
        content_type="application/xml",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "submission.not_representative"


def test_letter_opened_over_api_issues_upd_once(setup, citizen):  # noqa: F811
    api = client_for(citizen.user)
    api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=citizen.sign(document_for(setup)),
        content_type="application/xml",
    )
    submission = Submission.objects.get()
    intake.intake_process(submission_id=submission.pk)
    clerk = StaffFactory()
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    letter = letter_send(
        case=Submission.objects.get().case,
        clerk=clerk,
        kind="letter",
        title="Pismo",
        body="Orzekam pozytywnie.",
    )
    message = next(m for m in api.get("/api/v1/inbox/").json()["results"] if m["kind"] == "letter")
    assert message["read_at"] is None
    document = api.get(message["document_url"])
    assert document.status_code == 200 and b"Orzekam pozytywnie." in document.content
    assert signatures.validate(document.content).indication == "TOTAL_PASSED"
    api.post(f"/api/v1/inbox/{message['id']}/open/")
    letter.refresh_from_db()
    assert letter.opened_at is not None
    assert letter.receipts.get().kind == "UPD"
    assert signatures.validate(bytes(letter.receipts.get().xml)).indication == "TOTAL_PASSED"
    assert letter.case.events.filter(action="delivered").count() == 1


def test_esp_pull_count_next_confirm(setup, citizen):  # noqa: F811
    api = client_for(citizen.user)
    signed = citizen.sign(document_for(setup))
    api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=signed,
        content_type="application/xml",
    )
    # the office's document system uses its machine token
    _token, secret = services.esp_token_issue(office=setup.office, name="EZD", actor=None)
    esp = APIClient()
    esp.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/esp/{setup.office.terc}"
    assert esp.get(f"{base}/waiting/").json() == {"count": 1}
    item = esp.get(f"{base}/next/").json()
    import base64
    import hashlib

    assert base64.b64decode(item["document_base64"]) == signed
    assert item["sha256"] == hashlib.sha256(signed).hexdigest()
    assert esp.post(f"{base}/confirm/", {"id": str(uuid.uuid4())}, format="json").status_code == 404
    assert esp.post(f"{base}/confirm/", {"id": item["id"]}, format="json").status_code == 200
    assert esp.get(f"{base}/waiting/").json() == {"count": 0}
    assert esp.get(f"{base}/next/").status_code == 204
    # the citizen, and staff of another office, may not pull
    assert api.get(f"{base}/waiting/").status_code == 401
    outsider = StaffFactory()
    from offices.tests.factories import OfficeFactory

    StaffMembership.objects.create(user=outsider, office=OfficeFactory(), role="registry_clerk")
    assert client_for(outsider).get(f"{base}/next/").status_code == 401


def test_submission_api_refusals_over_http(setup, citizen):  # noqa: F811
    """The answers a client program must be able to tell apart, each with its problem code."""
    api = client_for(citizen.user)
    url = f"/api/v1/submissions/?service={setup.service.pk}"
    signed = citizen.sign(document_for(setup, note="one"))
    first = api.post(url, data=signed, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.content
    again = api.post(url, data=signed, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"]
    other = citizen.sign(document_for(setup, note="two"))
    conflict = api.post(url, data=other, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="k1")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert conflict.json()["code"] == "submission.idempotency_conflict"

    broken = api.post(url, data=b"<a><b></a>", content_type="application/xml")
    assert broken.status_code == 400 and broken.json()["code"] == "submission.malformed"
    # a well-formed, signed document whose data breaks the form's schema
    unsigned = document_for(setup, note="three")
    assert b"123.45" in unsigned
    invalid = api.post(
        url,
        data=citizen.sign(unsigned.replace(b"123.45", b"12x.45", 1)),
        content_type="application/xml",
    )
    assert invalid.status_code == 400, invalid.content
    assert invalid.json()["code"] == "submission.document_invalid"
    assert Submission.objects.count() == 1


def test_a_submit_costs_a_fixed_set_of_queries(setup, citizen):  # noqa: F811
    """The busiest write path, pinned: the token, the service with its office and the name in
    force (one query), then the four rows the receipt needs (submission, UPP, inbox message,
    audit entry) and the office chain's head. The idempotency key is not looked up before a
    first submit (the unique constraint answers a repeat); the key is read for a repeat only."""
    office_identity_change(
        actor=None,
        office=setup.office,
        version=OfficeIdentity(
            official_name="Urząd Gminy Próbnej", organ_name="Wójt Gminy Próbnej"
        ),
    )
    api = client_for(citizen.user)
    url = f"/api/v1/submissions/?service={setup.service.pk}"
    warm = api.post(url, data=citizen.sign(document_for(setup, note="warm")),
                    content_type="application/xml", HTTP_IDEMPOTENCY_KEY="warm")  # fmt: skip
    assert warm.status_code == 201
    signed = citizen.sign(document_for(setup, note="pinned"))
    with CaptureQueriesContext(connection) as queries:
        first = api.post(url, data=signed, content_type="application/xml",
                         HTTP_IDEMPOTENCY_KEY="pinned")  # fmt: skip
    assert first.status_code == 201, first.content
    statements = [
        sql
        for sql in executed_statements(queries.captured_queries)
        if not sql.startswith(("SAVEPOINT", "RELEASE"))
    ]
    tables = [
        ("INSERT " if sql.startswith(("INSERT", "WITH")) else "")
        + re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)', sql)[1]
        for sql in statements
    ]
    assert tables[:5] == [
        "authtoken_token",
        "offices_service",
        "INSERT documents_submission",
        "INSERT documents_receipt",
        "INSERT documents_inboxmessage",
    ], statements
    # then the audit entry, last (its chain's head locked and moved: sekap.audit's own count)
    assert "INSERT audit_auditentry" in tables[5:], statements
    assert {table.removeprefix("INSERT ") for table in tables[5:]} <= {
        "audit_audithead",
        "audit_auditentry",
    }, statements
    assert len(tables) <= 8, statements

    again = api.post(
        url, data=signed, content_type="application/xml", HTTP_IDEMPOTENCY_KEY="pinned"
    )
    assert again.json()["id"] == first.json()["id"]
    assert Submission.objects.filter(idempotency_key="pinned").count() == 1
    upp = etree.fromstring(first.json()["upo_xml"].encode())
    assert upp.findtext(f"{{{UPO_NS}}}UPP/{{{UPO_NS}}}Adresat/{{{UPO_NS}}}Nazwa") == (
        "Urząd Gminy Próbnej"
    )
