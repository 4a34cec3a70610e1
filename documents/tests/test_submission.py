"""Accepting a submission: stored once, receipted in the same transaction, idempotent."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from documents import selectors, services
from documents.errors import (
    IdempotencyConflict,
    SubmissionMalformed,
    SubmissionNotSigned,
    SubmissionTooLarge,
    SubmissionWrongForm,
)
from documents.models import InboxMessage, Receipt, Stage, Submission
from documents.services.receipts import UPO_NS
from documents.tests.fixtures import document_for, make_service
from sekap.audit.models import AuditEntry
from signatures import services as signatures

pytestmark = pytest.mark.django_db
P = f"{{{UPO_NS}}}"


def test_accept_stores_bytes_issues_sealed_upp_and_inbox_message(setup, citizen):
    signed = citizen.sign(document_for(setup))
    submission = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="k1",
        channel="portal",
    )
    submission.refresh_from_db()
    assert bytes(submission.document) == signed
    assert submission.sha256 == hashlib.sha256(signed).hexdigest()
    assert submission.stage == Stage.RECEIVED
    receipt = Receipt.objects.get(submission=submission)
    assert receipt.kind == "UPP" and receipt.pdf is None
    root = etree.fromstring(bytes(receipt.xml))
    upp = root.find(P + "UPP")
    assert upp.findtext(P + "IdentyfikatorDokumentu") == str(submission.public_id)
    assert upp.findtext(f"{P}Adresat/{P}Nazwa") == setup.office.name
    infos = {
        i.get("TypInformacjiUzupelniajacej"): i.text
        for i in upp.iter(P + "InformacjaUzupelniajaca")
    }
    assert infos["SkrotDokumentuSHA256"] == submission.sha256
    report = signatures.validate(bytes(receipt.xml))
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].signed_by.organization == setup.office.name
    message = InboxMessage.objects.get(recipient=citizen.user)
    assert message.receipt == receipt and message.read_at is None
    assert selectors.inbox_unread_count(citizen.user) == 1
    assert AuditEntry.objects.filter(action="documents.submission_received").count() == 1


def test_same_key_returns_same_submission_and_other_bytes_conflict(setup, citizen):
    signed = citizen.sign(document_for(setup))
    first = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="double",
        channel="portal",
    )
    again = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="double",
        channel="portal",
    )
    assert again.pk == first.pk
    assert Submission.objects.count() == 1 and Receipt.objects.count() == 1
    other = citizen.sign(document_for(setup, note="inna treść"))
    with pytest.raises(IdempotencyConflict):
        services.submission_accept(
            submitter=citizen.user,
            service=setup.service,
            signed_xml=other,
            idempotency_key="double",
            channel="portal",
        )
    assert Submission.objects.count() == 1


def test_a_repeat_gets_its_first_answer_even_when_it_would_be_refused_now(setup, citizen):
    """The key is read only when the insert meets it or the document is refused: a repeat of
    an accepted submission still returns it after its service was closed, and a malformed
    document under a used key is a conflict (409), not a new refusal."""
    signed = citizen.sign(document_for(setup, note="pierwszy"))

    def accept(data: bytes):
        return services.submission_accept(
            submitter=citizen.user,
            service=setup.service,
            signed_xml=data,
            idempotency_key="repeat",
            channel="api",
        )

    first = accept(signed)
    setup.service.is_active = False
    setup.service.save(update_fields=["is_active"])
    assert accept(signed).pk == first.pk
    with pytest.raises(IdempotencyConflict):
        accept(b"<a><b></a>")
    assert Submission.objects.count() == 1 and Receipt.objects.count() == 1
    assert AuditEntry.objects.filter(action="documents.submission_received").count() == 1


def test_refusals_store_nothing(setup, citizen, settings):
    def accept(data: bytes, service=None):
        return services.submission_accept(
            submitter=citizen.user,
            service=service or setup.service,
            signed_xml=data,
            idempotency_key=hashlib.sha256(data).hexdigest(),
            channel="api",
        )

    with pytest.raises(SubmissionMalformed):
        accept(b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>")
    with pytest.raises(SubmissionNotSigned):
        accept(document_for(setup))
    other = make_service(office=setup.office, symbol="GK", slug="inny-formularz")
    with pytest.raises(SubmissionWrongForm):
        accept(citizen.sign(document_for(other)), service=setup.service)
    settings.SIGNATURES_MAX_DOCUMENT_BYTES = 1000
    with pytest.raises(SubmissionTooLarge) as exc:
        accept(citizen.sign(document_for(setup)))
    assert exc.value.status == 413
    assert Submission.objects.count() == 0 and Receipt.objects.count() == 0
