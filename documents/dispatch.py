"""Putting work on the queue after commit, from services: tasks are found by name, so the
services do not import ``documents.tasks`` (which sits above them and calls them).

``dispatch_*`` never raise: when the broker is down the item stays due and the beat sweeper
(``documents.tasks.intake_sweep``) dispatches it later.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from kombu import pools

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


def _task(name: str):
    """The registered Celery task (the app imports every app's ``tasks`` module once)."""
    return current_app.tasks[name]


def dispatch_intake(submission_id: int) -> bool:
    return _dispatch(_task("documents.tasks.intake_run"), submission_id=submission_id)


def dispatch_receipt_pdf(receipt_id: int) -> bool:
    return _dispatch(
        _task("documents.tasks.receipt_pdf"), "DOCUMENTS_PDF_QUEUE", receipt_id=receipt_id
    )


def dispatch_email(message_id: int) -> bool:
    return _dispatch(_task("documents.tasks.inbox_email"), message_id=message_id)


def dispatch_delivery_send(delivery_id: int) -> bool:
    return _dispatch(_task("documents.tasks.delivery_send"), delivery_id=delivery_id)


def dispatch_delivery_notice(delivery_id: int) -> bool:
    return _dispatch(_task("documents.tasks.delivery_notice"), delivery_id=delivery_id)


def dispatch_appeal(submission_id: int) -> bool:
    return _dispatch(_task("documents.tasks.appeal_register"), submission_id=submission_id)


def dispatch_decision_pdf(decision_id: int) -> bool:
    return _dispatch(
        _task("documents.tasks.decision_pdf"), "DOCUMENTS_PDF_QUEUE", decision_id=decision_id
    )
