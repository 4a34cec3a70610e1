"""Log records that carry the request id, as JSON lines in production.

``RequestContextMiddleware`` gives every request an id (kept from a trusted proxy's
``X-Request-ID``) and answers with it. The filter below puts that id on every log record made
while the request runs, and Celery carries it in a message header to the tasks the request
queued, so one id follows a submission from the web request into the worker's logs.
``LOG_FORMAT=json`` (the production default) writes one JSON object per line
(python-json-logger); ``text`` is for a developer's console.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from sekap.audit.context import RequestContext, current

HEADER = "sekap_request_id"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` ("" outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current.get()
        if context and context.request_id:
            record.request_id = context.request_id
        else:  # django.request logs an error response after the middleware has returned
            record.request_id = getattr(getattr(record, "request", None), "request_id", "")
        return True


def _publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    context = current.get()
    if headers is not None and context and context.request_id:
        headers.setdefault(HEADER, context.request_id)


def _prerun(task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    request_id = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(
        HEADER
    )
    if not request_id or current.get() is not None:  # eager: the request's own context holds
        return
    task.request.sekap_log_token = current.set(RequestContext(request_id=str(request_id)))


def _postrun(task: Any = None, **_: Any) -> None:
    token = getattr(getattr(task, "request", None), "sekap_log_token", None)
    if token is not None:
        current.reset(token)
        task.request.sekap_log_token = None


def connect_celery() -> None:
    """Carry the request id from the publishing request into the task's log records."""
    before_task_publish.connect(_publish, weak=False, dispatch_uid="sekap.logs.publish")
    task_prerun.connect(_prerun, weak=False, dispatch_uid="sekap.logs.prerun")
    task_postrun.connect(_postrun, weak=False, dispatch_uid="sekap.logs.postrun")
