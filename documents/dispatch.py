"""Putting documents' work on the queue after commit, from services (through the project's one
never-raising helper, :mod:`sekap.dispatch`): tasks are found by name, so the services do not
import ``documents.tasks`` (which sits above them and calls them).

``dispatch_*`` never raise: when the broker is down the item stays due and the beat sweeper
(``documents.tasks.intake_sweep``) dispatches it later.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from sekap.dispatch import dispatch_task

logger = logging.getLogger(__name__)

# Marks an intake run queued and not yet started (documents.services.intake takes the mark as
# a run starts claiming). While it stands, an accepted submission needs no message of its own:
# that run claims every submission waiting when it starts. It expires, so a lost message delays
# the submissions accepted meanwhile by at most this long (then the next acceptance queues a
# run; the sweeper takes what is left).
INTAKE_WAKE_KEY = "documents:intake:queued"
INTAKE_WAKE_SECONDS = 10


def _dispatch(task_name: str, queue_setting: str = "DOCUMENTS_INTAKE_QUEUE", **kwargs) -> bool:
    return dispatch_task(task_name=task_name, queue_setting=queue_setting, **kwargs)


def dispatch_intake(submission_id: int | None, *, force: bool = False) -> bool:
    """``None``: a run for the submissions waiting. ``force``: the intake takes the
    submission over even while another run's lease on it lasts (the sweeper's re-dispatch
    of an overdue one)."""
    extra = {"force": True} if force else {}
    return _dispatch("documents.tasks.intake_run", submission_id=submission_id, **extra)


def dispatch_intake_wake(submission_id: int | None) -> bool:
    """Queue an intake run for ``submission_id`` (``None``: for the submissions waiting) unless
    a run is queued and has not started yet, which will claim it with the others waiting. One
    message then serves a burst of acceptances, instead of one per submission of which all but
    the first would find their submission claimed by the first's batch."""
    try:
        first = cache.add(INTAKE_WAKE_KEY, 1, INTAKE_WAKE_SECONDS)
    except Exception as exc:  # the cache is down: queue a message as without the mark
        logger.warning("intake wake mark unavailable (%r); queuing a run", exc)
        first = True
    if not first:
        return True
    if dispatch_intake(submission_id):
        return True
    intake_wake_taken()  # nothing queued: the next acceptance must queue a run
    return False


def intake_wake_taken() -> None:
    """A run starts claiming: an acceptance from now on queues a run again."""
    try:
        cache.delete(INTAKE_WAKE_KEY)
    except Exception as exc:  # the mark expires by itself
        logger.warning("intake wake mark not cleared (%r)", exc)


def dispatch_receipt_pdf(receipt_id: int) -> bool:
    return _dispatch("documents.tasks.receipt_pdf", "DOCUMENTS_PDF_QUEUE", receipt_id=receipt_id)


def dispatch_email(message_id: int) -> bool:
    return _dispatch("documents.tasks.inbox_email", message_id=message_id)


def dispatch_delivery_send(delivery_id: int) -> bool:
    return _dispatch("documents.tasks.delivery_send", delivery_id=delivery_id)


def dispatch_delivery_notice(delivery_id: int) -> bool:
    return _dispatch("documents.tasks.delivery_notice", delivery_id=delivery_id)


def dispatch_appeal(submission_id: int) -> bool:
    return _dispatch("documents.tasks.appeal_register", submission_id=submission_id)


def dispatch_decision_pdf(decision_id: int) -> bool:
    return _dispatch("documents.tasks.decision_pdf", "DOCUMENTS_PDF_QUEUE", decision_id=decision_id)
