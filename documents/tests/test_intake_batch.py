"""The intake in batches: a task claims its own submission and others waiting, checks their
signatures outside the transaction and completes each in its own savepoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import dispatch, tasks
from documents.models import Case, InboxMessage, RegisterEntry, Stage, Submission
from documents.services import intake, search, submissions
from documents.tests.fixtures import make_service, pesel
from documents.tests.test_numbering import run_threads
from sekap.accounts.models import IdentityLevel, VerificationMethod
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain
from tests.support import require_postgresql


def _waiting(setup, applicant, count: int, *, start: int = 0) -> list[int]:
    """Submissions accepted and waiting for their intake (signature already checked: these
    tests are about the registration)."""
    now = timezone.now()
    return [
        Submission.objects.create(
            submitter=applicant,
            office=setup.office,
            service=setup.service,
            form_version=setup.version,
            title=f"Wniosek {n}",
            channel="api",
            idempotency_key=f"b-{setup.office.pk}-{n}",
            document=b"<x/>",
            sha256=f"{setup.office.pk:08d}{n:056d}",
            size=4,
            received_at=now,
            intake_due_at=now + dt.timedelta(minutes=2),
            stage=Stage.SIGNATURE_CHECKED,
            signature_indication="TOTAL_PASSED",
        ).pk
        for n in range(start, start + count)
    ]


def _rows() -> tuple[int, int, int, int]:
    return (
        RegisterEntry.objects.count(),
        Case.objects.count(),
        InboxMessage.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_one_failing_item_does_not_fail_the_others():
    setup = make_service()
    applicant = UserFactory()
    # the register refuses the sender of the second: a verified account whose PESEL fails
    # its checksum (correspondents are checked with python-stdnum)
    sender = UserFactory(
        identity_level=IdentityLevel.VERIFIED,
        verified_method=VerificationMethod.COUNTER,
        verified_at=timezone.now(),
        pesel="90010100001",
    )
    first = _waiting(setup, applicant, 1)[0]
    broken = _waiting(setup, sender, 1, start=1)[0]
    third = _waiting(setup, applicant, 1, start=2)[0]
    before = timezone.now()
    result = intake.intake_batch(submission_id=first)
    assert sorted(result.completed) == [first, third]
    assert list(result.failed) == [broken]
    # the failed item left nothing behind (its savepoint), not even its RPW number
    numbers = dict(RegisterEntry.objects.values_list("submission_id", "number"))
    assert numbers == {first: 1, third: 2}
    failed = Submission.objects.get(pk=broken)
    assert failed.stage == Stage.SIGNATURE_CHECKED and "PESEL" in failed.intake_error
    assert failed.intake_due_at >= before + intake.backoff(1)  # the sweeper's, after backoff
    # its audit entries went with its savepoint; the others' are chained at the batch's end
    registered = AuditEntry.objects.filter(action="documents.registered")
    assert sorted(e.after["submission"] for e in registered) == [first, third]
    assert verify_chain() is None
    # not claimed by another batch while its backoff lasts
    assert intake.intake_batch().completed == []

    sender.pesel = pesel(7)  # corrected
    sender.save(update_fields=["pesel"])
    later = failed.intake_due_at + dt.timedelta(seconds=1)
    assert intake.intake_sweep(now=later)["intake"] == 1  # dispatched (eagerly) and completed
    failed.refresh_from_db()
    assert failed.stage == Stage.COMPLETED and failed.register_entry.number == 3


@pytest.mark.django_db
def test_a_rerun_or_a_duplicate_message_does_nothing_twice(django_capture_on_commit_callbacks):
    setup = make_service()
    ids = _waiting(setup, UserFactory(), 4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = intake.intake_batch(submission_id=ids[2])
    assert sorted(result.completed) == ids
    assert len(callbacks) == 1  # one dispatch for the batch's e-mails
    rows = _rows()
    assert rows[:3] == (4, 4, 4)
    assert intake.intake_batch().completed == []
    for pk in ids:  # the messages of the others arrive after all, one of them twice
        tasks.intake_run.apply(kwargs={"submission_id": pk}, throw=True)
    tasks.intake_run.apply(kwargs={"submission_id": ids[0], "force": True}, throw=True)
    intake.intake_process(submission_id=ids[1])
    assert _rows() == rows
    assert set(Submission.objects.values_list("stage", "intake_attempts")) == {(Stage.COMPLETED, 1)}


@pytest.mark.django_db
def test_a_message_leaves_a_submission_another_batch_holds_and_takes_the_waiting():
    setup = make_service()
    held, waiting = _waiting(setup, UserFactory(), 2)
    Submission.objects.filter(pk=held).update(
        intake_attempts=1, intake_due_at=timezone.now() + intake.LEASE
    )
    # the waiting one may have no message of its own (accepted while a run was queued): a
    # message that finds its submission held takes the waiting ones instead
    assert intake.intake_batch(submission_id=held).completed == [waiting]
    assert Submission.objects.get(pk=held).stage == Stage.SIGNATURE_CHECKED


@pytest.mark.django_db
def test_acceptances_while_a_run_is_queued_send_no_message_and_that_run_takes_them():
    setup = make_service()
    first = _waiting(setup, UserFactory(), 1)[0]
    dispatch.dispatch_intake_wake(first)  # queued (and run at once, tasks being in-process)
    assert Submission.objects.get(pk=first).stage == Stage.COMPLETED
    cache.add(dispatch.INTAKE_WAKE_KEY, 1, 60)  # as when a run is queued and not started yet
    second = _waiting(setup, UserFactory(), 1, start=5)[0]
    assert submissions.dispatch_after_accept(second) is None
    assert Submission.objects.get(pk=second).stage < Stage.COMPLETED  # no message of its own
    assert intake.intake_batch(submission_id=first).completed == [second]  # the queued run
    third = _waiting(setup, UserFactory(), 1, start=10)[0]
    submissions.dispatch_after_accept(third)  # that run took the mark: this queues its own
    assert Submission.objects.get(pk=third).stage == Stage.COMPLETED


@pytest.mark.django_db
def test_a_full_batch_queues_a_run_for_the_rest():
    setup = make_service()
    ids = _waiting(setup, UserFactory(), 5)
    result = intake.intake_batch(limit=2)  # the run for the rest runs at once, in-process
    assert result.completed == ids[:2]
    assert set(Submission.objects.values_list("stage", flat=True)) == {Stage.COMPLETED}
    assert intake.intake_batch(limit=5).completed == []


@pytest.mark.django_db
def test_queries_per_batch_do_not_grow_with_its_size():
    """Pinned: what a batch costs beyond its items, and what each item costs."""
    setup = make_service()
    applicant = UserFactory()
    _waiting(setup, applicant, 1)
    intake.intake_batch()  # the counters and the correspondent exist from here on

    def queries(count: int, start: int) -> int:
        _waiting(setup, applicant, count, start=start)
        with CaptureQueriesContext(connection) as captured:
            assert len(intake.intake_batch(limit=count).completed) == count
        return len(captured)

    small, large = queries(2, 100), queries(6, 200)
    per_item = (large - small) / 4
    fixed = small - 2 * per_item
    assert (fixed, per_item) == QUERIES[connection.vendor]


# (per batch, per item): everything is per batch now: the claim, the documents' load, the
# lock, the RPW and case numbers, the correspondents, versions and fees read together, one
# insert each of entries, cases, parties, history lines and notices, one update of the
# submissions, the audit entries and the receipts whose PDFs the batch queues (SQLite claims
# each item by its own update, having no row locks)
QUERIES = {"postgresql": (30, 0), "sqlite": (30, 1)}


@pytest.mark.django_db
def test_a_submission_on_its_own_opens_its_case_as_a_batch_of_one():
    """One path opens cases from submissions: an item completed on its own (a run of one, a
    failed run's items) goes through the batch's, one insert each of its case, history lines
    and applicant. Pinned: the statements of the whole intake of one submission."""
    setup = make_service()
    applicant = UserFactory()
    _waiting(setup, applicant, 1)
    intake.intake_batch()  # the counters and the correspondent exist from here on
    [pk] = _waiting(setup, applicant, 1, start=100)
    with CaptureQueriesContext(connection) as captured:
        intake.intake_process(submission_id=pk)
    inserts = [q["sql"].split(" (")[0] for q in captured if q["sql"].startswith("INSERT")]
    assert inserts.count('INSERT INTO "documents_case"') == 1
    assert inserts.count('INSERT INTO "documents_caseevent"') == 1  # received, opened
    assert inserts.count('INSERT INTO "documents_caseparty"') == 1
    assert not any(q["sql"].startswith('UPDATE "documents_case" ') for q in captured)
    assert len(captured) == ONE_ON_ITS_OWN[connection.vendor]
    case = Submission.objects.get(pk=pk).case
    assert [e.action for e in case.events.order_by("pk")] == ["received", "opened"]
    assert case.search_text == search.case_search_text(case=case)


# the whole intake of one submission (claim, load, lock, register, open, notify, audit); was
# 42 on SQLite when an item on its own opened its case by a path of its own
ONE_ON_ITS_OWN = {"postgresql": 30, "sqlite": 31}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_claim_each_item_once_and_number_without_gaps():
    require_postgresql(connection.vendor, "row locks under concurrency need PostgreSQL")
    offices = [make_service(), make_service()]
    applicant = UserFactory()
    for setup in offices:
        _waiting(setup, applicant, 30)

    def work(_index: int) -> None:
        while intake.intake_batch(limit=7).completed:
            pass

    run_threads(4, work)
    for setup in offices:
        numbers = RegisterEntry.objects.filter(office=setup.office).values_list("number", flat=True)
        assert sorted(numbers) == list(range(1, 31))
        cases = Case.objects.filter(office=setup.office).values_list("number", flat=True)
        assert sorted(cases) == list(range(1, 31))
    # each claimed by one batch only (SKIP LOCKED), each completed once
    assert set(Submission.objects.values_list("stage", "intake_attempts")) == {(Stage.COMPLETED, 1)}


@pytest.mark.django_db
def test_a_batch_emails_its_notices_in_the_same_queries_whatever_its_size(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    setup = make_service()
    _waiting(setup, UserFactory(), 8)
    intake.intake_batch(limit=8)  # its e-mails wait for the commit (never, in this test)
    notices = list(InboxMessage.objects.order_by("pk").values_list("pk", flat=True))

    def queries(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as captured:
            tasks.inbox_emails.apply(kwargs={"message_ids": ids}, throw=True)
        return len(captured)

    assert queries(notices[:2]) == queries(notices[2:]) == 2  # read together, marked together
    assert len(mail.outbox) == 8
    assert not InboxMessage.objects.filter(emailed_at__isnull=True).exists()
    assert queries(notices) == 1 and len(mail.outbox) == 8  # a duplicate message sends none
