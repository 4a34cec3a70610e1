"""Putting documents' work on the queue after commit, from services (through the project's one
never-raising helper, :mod:`sekap.dispatch`): tasks are found by name, so the services do not
import ``documents.tasks`` (which sits above them and calls them).

``dispatch_*`` never raise: when the broker is down the item stays due and the beat sweeper
(``documents.tasks.intake_sweep``) dispatches it later.
"""

from __future__ import annotations

from sekap.dispatch import dispatch_task


def _dispatch(task_name: str, queue_setting: str = "DOCUMENTS_INTAKE_QUEUE", **kwargs) -> bool:
    return dispatch_task(task_name=task_name, queue_setting=queue_setting, **kwargs)


def dispatch_intake(submission_id: int, *, force: bool = False) -> bool:
    """``force``: the intake takes the submission over even while another run's lease on it
    lasts (the sweeper's re-dispatch of an overdue one)."""
    extra = {"force": True} if force else {}
    return _dispatch("documents.tasks.intake_run", submission_id=submission_id, **extra)


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
