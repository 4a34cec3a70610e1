"""The intake's failure paths: revocation data unavailable (TRY_LATER) is retried with backoff
and then completes; after the last retry the item is registered and flagged; a failed e-mail
notice is handed to the retrying task and sent once the mail server answers again."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from documents import services, tasks
from documents.models import InboxMessage, RegisterEntry, Stage, Submission
from documents.services import intake
from documents.tests.fixtures import document_for

pytestmark = pytest.mark.django_db


class MailServerDown(BaseEmailBackend):
    """The SMTP server refuses the connection (what smtplib raises then)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, b"service not available")


def _accept(setup, citizen) -> Submission:
    return services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup)),
        idempotency_key="retry",
        channel="portal",
    )


def _pki_unreachable(env) -> None:
    """The platform's own OCSP/CRL answer nothing; the HTTP fallback refuses (no network)."""
    env.fetcher.local = lambda method, url, body, content_type: None


def test_backoff_doubles_from_two_minutes_up_to_an_hour():
    assert [intake.backoff(n) for n in (0, 1, 2, 5, 6, 7, 20)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
        dt.timedelta(minutes=32),
        dt.timedelta(hours=1),
        dt.timedelta(hours=1),
        dt.timedelta(hours=1),
    ]


def test_revocation_unavailable_is_retried_with_backoff_then_completes(setup, citizen, sekap_trust):
    submission = _accept(setup, citizen)
    local = sekap_trust.fetcher.local
    _pki_unreachable(sekap_trust)
    before = timezone.now()
    with pytest.raises(intake.TemporaryFailure) as failure:
        intake.intake_process(submission_id=submission.pk)
    intake.intake_failed(submission_id=submission.pk, error=repr(failure.value))  # as the task
    submission.refresh_from_db()
    assert submission.stage < Stage.SIGNATURE_CHECKED
    assert "TemporaryFailure" in submission.intake_error
    assert submission.intake_attempts == 1
    # the sweeper picks it up again after the backoff, not before
    assert submission.intake_due_at >= before + intake.backoff(1)
    assert not RegisterEntry.objects.exists()

    # The PKI answers again; by the time of the retry the validator's 30-second memory of
    # "no revocation data" is gone.
    sekap_trust.fetcher.local = local
    sekap_trust.verdict_cache.clear()
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED
    assert submission.signature_indication == "TOTAL_PASSED"
    assert RegisterEntry.objects.get().submission == submission


def test_after_the_last_retry_the_item_is_registered_and_flagged(setup, citizen, sekap_trust):
    submission = _accept(setup, citizen)
    _pki_unreachable(sekap_trust)
    for _ in range(intake.MAX_SIGNATURE_RETRIES):
        with pytest.raises(intake.TemporaryFailure):
            intake.intake_process(submission_id=submission.pk)
    intake.intake_process(submission_id=submission.pk)  # nothing is held back for ever
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED
    assert (submission.signature_indication, submission.signature_sub_indication) == (
        "INDETERMINATE",
        "TRY_LATER",
    )
    assert submission.needs_attention
    assert submission.register_entry.number == 1


def test_a_failed_mail_notice_is_kept_due_and_sent_by_the_sweep_once(
    setup, citizen, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    submission = _accept(setup, citizen)
    with django_capture_on_commit_callbacks(execute=True):
        intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED  # the notice is in the inbox regardless
    message = InboxMessage.objects.get(submission=submission, kind="notice")
    # sent at once, failed, handed to the task (in-process here: it retried and failed too)
    assert message.emailed_at is None and message.email_attempts >= 2
    assert message.email_due_at > timezone.now()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = message.email_due_at + dt.timedelta(seconds=1)
    assert intake.intake_sweep(now=later)["email"] == 1
    assert intake.intake_sweep(now=later + dt.timedelta(hours=1))["email"] == 0
    tasks.inbox_email.apply(kwargs={"message_id": message.pk}, throw=True)  # a duplicate
    assert [m.to for m in mail.outbox] == [[citizen.user.email]]
    assert f"/skrzynka/{message.pk}/" in mail.outbox[0].body
    message.refresh_from_db()
    assert message.emailed_at is not None and message.email_due_at is None
