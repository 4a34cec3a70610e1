"""Beat job: send the e-mail that is due."""

from __future__ import annotations

from celery import shared_task

from .services import mail_sweep


@shared_task(ignore_result=True, acks_late=True)
def outbox_sweep() -> int:
    return mail_sweep()
