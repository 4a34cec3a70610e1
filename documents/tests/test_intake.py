"""The intake pipeline: signature report, RPW, case sign, deadline, routing, notice; once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from documents import selectors, services
from documents.models import Case, CaseEvent, InboxMessage, RegisterEntry, Stage, Submission
from documents.services import intake
from documents.tests.fixtures import document_for, make_citizen, pesel

pytestmark = pytest.mark.django_db


def _accept(setup, citizen, *, key: str = "k", xml: bytes | None = None) -> Submission:
    return services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=xml or citizen.sign(document_for(setup, note=key)),
        idempotency_key=key,
        channel="portal",
    )


def test_pipeline_registers_opens_case_and_notifies_once(
    setup, citizen, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    submission = _accept(setup, citizen)
    with django_capture_on_commit_callbacks(execute=True):
        intake.intake_process(submission_id=submission.pk)
        intake.intake_process(submission_id=submission.pk)  # a duplicate changes nothing
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [citizen.user.email]
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED
    assert submission.signature_report["document_sha256"] == submission.sha256
    year = timezone.localtime(submission.received_at).year
    entry = RegisterEntry.objects.get()
    assert (entry.number, entry.year, entry.department) == (1, year, setup.department)
    case = Case.objects.get()
    assert case.sign == f"OR.1431.1.{year}"
    assert submission.case == case and case.department == setup.department
    assert case.started_on == timezone.localtime(submission.received_at).date()
    assert case.deadline is not None and case.deadline > case.started_on
    notices = InboxMessage.objects.filter(kind="notice", recipient=citizen.user)
    assert notices.count() == 1 and case.sign in notices.get().body
    assert submission.signature_indication == "TOTAL_PASSED" and not submission.needs_attention
    assert [e.action for e in CaseEvent.objects.filter(case=case)] == ["received", "opened"]
    second = _accept(setup, citizen, key="k2")
    intake.intake_process(submission_id=second.pk)
    second.refresh_from_db()
    assert second.case.sign == f"OR.1431.2.{year}"
    assert second.register_entry.number == 2
    assert selectors.case_for(user=citizen.user, pk_or_sign=case.sign) == case


def test_tampered_signature_is_registered_marked_and_explained(setup, citizen):
    signed = citizen.sign(document_for(setup))
    tampered = signed.replace(b"123.45", b"923.45", 1)
    assert tampered != signed
    submission = _accept(setup, citizen, key="bad", xml=tampered)
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED
    assert submission.signature_indication == "TOTAL_FAILED"
    assert submission.needs_attention and submission.register_entry.number == 1
    assert CaseEvent.objects.filter(case=submission.case, action="attention").exists()
    notice = InboxMessage.objects.get(kind="notice", recipient=citizen.user)
    assert "TOTAL_FAILED" in notice.body


def test_document_signed_by_someone_else_is_marked(setup, ca, sekap_trust, english):
    owner = make_citizen(ca, pesel=pesel(11))
    other = make_citizen(ca, pesel=pesel(12))
    xml = other.sign(document_for(setup))
    submission = services.submission_accept(
        submitter=owner.user,
        service=setup.service,
        signed_xml=xml,
        idempotency_key="x",
        channel="api",
    )
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.signature_indication == "TOTAL_PASSED"
    assert submission.needs_attention
    assert "other than the account holder" in submission.attention_reason


def test_sweeper_dispatches_only_overdue_unfinished(setup, citizen, monkeypatch):
    dispatched: list[int] = []
    monkeypatch.setattr(
        "documents.dispatch.dispatch_intake", lambda pk, **_kwargs: dispatched.append(pk)
    )
    monkeypatch.setattr("documents.dispatch.dispatch_receipt_pdf", lambda pk: None)
    first = _accept(setup, citizen, key="a")
    second = _accept(setup, citizen, key="b")
    intake.intake_process(submission_id=second.pk)
    assert intake.intake_sweep()["intake"] == 0  # not yet due
    later = timezone.now() + dt.timedelta(minutes=3)
    assert intake.intake_sweep(now=later)["intake"] == 1
    assert dispatched == [first.pk]
    assert intake.intake_sweep(now=later)["intake"] == 0  # claimed: not dispatched twice
    assert intake.intake_sweep(now=later + dt.timedelta(minutes=6))["intake"] == 1


def test_sweep_command_dispatches_overdue(setup, citizen, monkeypatch):
    import datetime as dt_

    from django.core.management import call_command

    submission = _accept(setup, citizen, key="cmd")
    Submission.objects.filter(pk=submission.pk).update(
        intake_due_at=timezone.now() - dt_.timedelta(minutes=1)
    )
    dispatched: list[int] = []
    monkeypatch.setattr(
        "documents.dispatch.dispatch_intake", lambda pk, **_kwargs: dispatched.append(pk)
    )
    monkeypatch.setattr("documents.dispatch.dispatch_receipt_pdf", lambda pk: None)
    call_command("documents_sweep")
    assert dispatched == [submission.pk]


def test_an_unsigned_document_that_needed_a_signature_is_flagged_at_intake(setup, citizen):
    """Accepting refuses it; should one ever be stored (a version changed its rule later, a
    row written by hand), intake does not treat it as fine."""
    submission = _accept(setup, citizen)
    Submission.objects.filter(pk=submission.pk).update(document=document_for(setup, note="k"))
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (
        submission.signature_indication,
        submission.signature_sub_indication,
        submission.signature_report,
        submission.needs_attention,
    ) == ("UNSIGNED", "REQUIRED", None, True)
    assert submission.attention_reason == (
        "Dokument nie jest podpisany, choć ten rodzaj pisma wymaga podpisu."
    )
    assert submission.case.events.filter(action="attention").count() == 1
