"""Celery entry points of the correspondence app: thin, idempotent, late-acknowledged.

``dispatch_*`` never raise: when the broker is down the item stays due and the beat sweeper
(``documents.tasks.intake_sweep``) dispatches it later.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from kombu import pools

from .services import deadlines, intake, mail, receipts

logger = logging.getLogger(__name__)


def _options(queue_setting: str) -> dict:
    options: dict = {"retry": False, "ignore_result": True}
    queue = getattr(settings, queue_setting, "")
    if queue:
        options["queue"] = queue
    return options


_pools: dict[str, object] = {}


def _publish_pool(app):
    """Connections that fail at once when the broker is down (no connection retries), so a
    request that dispatches after commit is never held up by a broker outage."""
    url = str(app.conf.broker_url)
    pool = _pools.get(url)
    if pool is None:
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        pool = pools.connections[app.connection_for_write(transport_options=options)]
        _pools[url] = pool
    return pool


def _dispatch(task, queue_setting: str = "DOCUMENTS_INTAKE_QUEUE", **kwargs) -> bool:
    try:
        if task.app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs, **_options(queue_setting))
        else:
            with _publish_pool(task.app).acquire(block=True, timeout=5) as connection:
                task.apply_async(kwargs=kwargs, connection=connection, **_options(queue_setting))
    except Exception as exc:  # the broker is down, or an eager run failed: the sweeper retries
        logger.warning(
            "could not dispatch %s %s (%r); the sweeper will retry", task.name, kwargs, exc
        )
        return False
    return True


def dispatch_intake(submission_id: int) -> bool:
    return _dispatch(intake_run, submission_id=submission_id)


def dispatch_receipt_pdf(receipt_id: int) -> bool:
    return _dispatch(receipt_pdf, "DOCUMENTS_PDF_QUEUE", receipt_id=receipt_id)


def dispatch_email(message_id: int) -> bool:
    return _dispatch(inbox_email, message_id=message_id)


@shared_task(bind=True, acks_late=True, max_retries=6, ignore_result=True)
def intake_run(self, *, submission_id: int) -> None:
    try:
        intake.intake_process(submission_id=submission_id)
    except (intake.TemporaryFailure, OperationalError) as exc:
        intake.intake_failed(submission_id=submission_id, error=repr(exc))
        raise self.retry(exc=exc, countdown=intake.backoff(self.request.retries).seconds) from exc
    except Exception as exc:
        intake.intake_failed(submission_id=submission_id, error=repr(exc))
        raise


@shared_task(bind=True, acks_late=True, max_retries=3, ignore_result=True)
def receipt_pdf(self, *, receipt_id: int) -> None:
    receipts.receipt_render_pdf(receipt_id=receipt_id)


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
