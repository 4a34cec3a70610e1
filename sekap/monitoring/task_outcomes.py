"""Celery task outcomes for ``/metrics``: every run of every task counted by how it ended.

Connected once, from ``sekap.celery``, so it works in the worker (where no web request ever
scrapes the registry: the counts go to Redis, see ``events``) and in the embedded default
(tasks run in-process, eagerly, and the same signals fire).
"""

from __future__ import annotations

from typing import Any

from celery.signals import task_failure, task_retry, task_revoked, task_success

from . import events


def _name(sender: Any) -> str:
    return getattr(sender, "name", None) or str(sender or "unknown")


def _success(sender: Any = None, **_: Any) -> None:
    events.count("sekap_celery_task_outcomes", task=_name(sender), outcome="success")


def _failure(sender: Any = None, **_: Any) -> None:
    events.count("sekap_celery_task_outcomes", task=_name(sender), outcome="failure")


def _retry(sender: Any = None, **_: Any) -> None:
    events.count("sekap_celery_task_outcomes", task=_name(sender), outcome="retry")


def _revoked(sender: Any = None, **_: Any) -> None:
    events.count("sekap_celery_task_outcomes", task=_name(sender), outcome="revoked")


def connect() -> None:
    """Idempotent: the signals keep one receiver each (``dispatch_uid``)."""
    task_success.connect(_success, weak=False, dispatch_uid="sekap.task_outcome.success")
    task_failure.connect(_failure, weak=False, dispatch_uid="sekap.task_outcome.failure")
    task_retry.connect(_retry, weak=False, dispatch_uid="sekap.task_outcome.retry")
    task_revoked.connect(_revoked, weak=False, dispatch_uid="sekap.task_outcome.revoked")
