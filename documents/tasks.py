"""Celery entry points of the correspondence app: thin, idempotent, late-acknowledged.

Services put work on the queue through ``documents.dispatch`` (which finds these tasks by
name), so this module sits above the services it calls and nothing below imports it.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import deadlines, intake, mail, receipts


@shared_task(bind=True, acks_late=True, max_retries=6, ignore_result=True)
def intake_run(self, *, submission_id: int | None = None, force: bool = False) -> None:
    """Complete the submission and a batch of others waiting (each failure is recorded on its
    item; the sweeper re-dispatches those when their backoff ends). Retried when its own
    submission failed for now; a retry takes its submission over (``force``)."""
    result = intake.intake_batch(
        submission_id=submission_id, force=force or self.request.retries > 0
    )
    exc = result.failed.get(submission_id)
    if exc is None:
        return
    if isinstance(exc, intake.TemporaryFailure | OperationalError):
        raise self.retry(exc=exc, countdown=intake.backoff(self.request.retries).seconds) from exc
    raise exc


@shared_task(ignore_result=True)
def inbox_emails(*, message_ids: list[int]) -> None:
    """E-mail the notices of a completed batch (a failed one goes to the retrying
    ``inbox_email`` task, then to the sweep)."""
    mail.inbox_emails_now(message_ids)


@shared_task(bind=True, acks_late=True, max_retries=3, ignore_result=True)
def receipt_pdf(self, *, receipt_id: int) -> None:
    receipts.receipt_render_pdf(receipt_id=receipt_id)


@shared_task(acks_late=True, ignore_result=True)
def receipt_pdfs(*, receipt_ids: list[int]) -> None:
    """The UPP PDFs of an intake batch, in one message (idempotent: a receipt rendered already
    is skipped; one that fails stays due, for the sweeper)."""
    receipts.receipt_render_pdfs(receipt_ids=receipt_ids)


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def inbox_email(self, *, message_id: int) -> None:
    """E-mail a waiting message (idempotent: a message already e-mailed is skipped). After the
    last retry it stays due, and the beat sweep dispatches it again after its backoff."""
    try:
        mail.inbox_email_send(message_id=message_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(ignore_result=True)
def intake_sweep() -> dict:
    return intake.intake_sweep()


@shared_task(ignore_result=True)
def supplement_reminders() -> int:
    from .services.reminders import supplement_reminders_send

    return supplement_reminders_send()


@shared_task(
    bind=True, acks_late=True, max_retries=5, ignore_result=True, autoretry_for=(OperationalError,)
)
def deadlines_sweep(self) -> dict:
    """The deadline timers (delay prompts, supplement terms, complaint forwarding): due-date
    columns, each flagged once, so a retry or a second run changes nothing."""
    return deadlines.deadlines_sweep()


@shared_task(bind=True, acks_late=True, max_retries=8, ignore_result=True)
def delivery_send(self, *, delivery_id: int) -> None:
    """Send an e-Doręczenia delivery and read its evidence (idempotent: the operator's message
    task id is stored as soon as it is known, so a retry never sends a second message)."""
    from .errors import DeliveryUnavailable
    from .services.delivery import edoreczenia_sync

    try:
        edoreczenia_sync(delivery_id=delivery_id)
    except (DeliveryUnavailable, OperationalError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def delivery_notice(self, *, delivery_id: int) -> None:
    """E-mail the second notice of a letter waiting in the SEKAP inbox."""
    from .services.delivery.notices import second_notice_send

    try:
        second_notice_send(delivery_id=delivery_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(ignore_result=True)
def delivery_sweep() -> dict:
    pass


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def decision_pdf(self, *, decision_id: int) -> None:
    from .services.letters import decision_render_pdf

    decision_render_pdf(decision_id=decision_id)


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def appeal_register(self, *, submission_id: int) -> None:
    from .models import Submission
    from .services.letters import appeal_register as register

    register(submission=Submission(pk=submission_id))


@shared_task(ignore_result=True)
def decisions_sweep() -> dict:
    from .services.letters import appeals_sweep
    from .services.letters import decisions_sweep as sweep

    return {**sweep(), "appeals": appeals_sweep()}


@shared_task(ignore_result=True)
def destruction_due_notice() -> int:
    """Tell archivists about expired non-archival files (once a month per office)."""
    from .services.archive import destruction_due_notify

    return destruction_due_notify()


@shared_task(ignore_result=True)
def fee_calls_delivery_update() -> int:
    """Beat: calls to pay now delivered give payments their due day (7 days from delivery)."""
    from .services.fee_effects import fee_calls_delivery_update as update

    return update()


@shared_task(bind=True, acks_late=True, max_retries=3, ignore_result=True)
def scans_recheck(self) -> dict:
    """Beat: stored register scans clamd never saw are checked (durable: the unchecked ones
    stay due in the database); retried in 5 minutes when clamd stops answering."""
    from .services.register import scans_recheck as recheck

    counts = recheck()
    if counts.stopped:
        raise self.retry(countdown=300)
    return {"clean": counts.clean, "malware": counts.malware, "left": counts.left}
