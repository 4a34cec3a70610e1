"""The intake pipeline: signature report, RPW, case sign, deadline, routing, notice; once."""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import selectors, services
from documents.models import (
    Case,
    CaseEvent,
    Correspondent,
    InboxMessage,
    RegisterEntry,
    Stage,
    Submission,
)
from documents.services import intake, search
from documents.tests.fixtures import document_for, make_citizen, make_service, pesel
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain

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


def _made_of(submission: Submission) -> dict:
    """What the intake made of a submission, as it reads in its office (the document's key
    and the office's own numbers of rows left out)."""
    submission.refresh_from_db()
    entry, case = submission.register_entry, submission.case
    notice = InboxMessage.objects.get(submission=submission, kind="notice")
    targets = [
        ("documents.registerentry", str(entry.pk)),
        ("documents.case", str(case.pk)),
        ("documents.correspondent", str(entry.correspondent_id)),
    ]
    return {
        "signature": (submission.signature_indication, submission.attention_reason),
        "entry": (entry.number, entry.sender, entry.channel, entry.title, entry.case_id == case.pk),
        "correspondent": (entry.correspondent.display_name, entry.correspondent.pesel),
        "case": (case.sign, case.title, case.deadline, case.status, case.workflow_version_id),
        "search": (case.search_text, case.search_text == search.case_search_text(case=case)),
        "events": [(e.action, e.description, e.params) for e in case.events.all()],
        "parties": [
            (p.role, p.served_via_platform, p.correspondent.pesel) for p in case.parties.all()
        ],
        "notice": (notice.title, notice.notice, {**notice.params, "office": ""}),
        "audit": [
            (
                e.action,
                e.target_type,
                {**e.after, "office": 0, "submission": 0, "account": 0, "department": 0},
            )
            for e in AuditEntry.objects.filter(
                reduce(operator.or_, [Q(target_type=t, target_id=i) for t, i in targets])
            ).order_by("chain", "seq")
        ],
    }


def test_a_batch_makes_what_one_by_one_makes(ca, sekap_trust, django_capture_on_commit_callbacks):
    """The set-based batch (runs of new applications of an office) against the one-by-one
    path, item for item: a new correspondent, one known by PESEL from a paper letter, the
    same citizen twice, a signature that fails."""
    first, second = make_citizen(ca, pesel=pesel(21)), make_citizen(ca, pesel=pesel(22))
    offices = []
    for _ in range(2):
        setup = make_service()
        Correspondent.objects.create(  # a paper letter's sender, found again by PESEL
            office=setup.office, last_name=second.user.last_name, pesel=second.user.pesel,
            created_at=timezone.now(),
        )  # fmt: skip
        signed = [
            first.sign(document_for(setup, note="a")),
            second.sign(document_for(setup, note="b")),
            first.sign(document_for(setup, note="c")),
            first.sign(document_for(setup, note="d")).replace(b"123.45", b"923.45", 1),
        ]
        offices.append(
            [
                _accept(setup, who, key=f"{setup.office.pk}-{n}", xml=xml)
                for n, (who, xml) in enumerate(
                    zip([first, second, first, first], signed, strict=True)
                )
            ]
        )
    one_by_one, batched = offices
    for submission in one_by_one:
        intake.intake_process(submission_id=submission.pk)
    with CaptureQueriesContext(connection) as queries:
        result = intake.intake_batch(submission_id=batched[0].pk)
    assert sorted(result.completed) == [s.pk for s in batched] and not result.failed
    # one insert of the batch's cases (one by one: one each)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "documents_case" ')]
    assert len(inserts) == 1
    made = [_made_of(s) for s in batched]
    assert made == [_made_of(s) for s in one_by_one]
    assert [m["entry"][0] for m in made] == [1, 2, 3, 4]
    assert made[3]["signature"][0] == "TOTAL_FAILED" and made[3]["events"][-1][0] == "attention"
    assert all(m["search"][1] for m in made)
    assert verify_chain() is None
