"""Log lines carry the request id, as JSON in production, and tasks inherit the id."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
from pythonjsonlogger.json import JsonFormatter

from sekap import logs
from sekap.audit.context import RequestContext, current


@pytest.fixture
def json_lines(settings):
    stream = io.StringIO()
    conf = settings.LOGGING["formatters"]["json"]
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(conf["fmt"], rename_fields=conf["rename_fields"], timestamp=True)
    )
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_request_logs_json_with_the_id_it_answers_with(client, db, json_lines):
    response = client.get("/no-such-page-for-the-log-test/")
    assert response.status_code == 404
    lines = json_lines()
    assert lines, "django.request logs a 404"
    line = lines[-1]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert "timestamp" in line


def test_outside_a_request_the_id_is_empty():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    assert logs.RequestIdFilter().filter(record)
    assert record.request_id == ""


def test_a_task_queued_by_a_request_logs_with_the_request_id():
    headers: dict = {}
    token = current.set(RequestContext(request_id="req-0123456789"))
    try:
        logs._publish(headers=headers)
    finally:
        current.reset(token)
    assert headers[logs.HEADER] == "req-0123456789"

    # The worker: the message's header becomes the context of the task's run, then goes.
    task = SimpleNamespace(request=SimpleNamespace(headers=headers))
    logs._prerun(task=task)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    logs.RequestIdFilter().filter(record)
    assert record.request_id == "req-0123456789"
    logs._postrun(task=task)
    assert current.get() is None


def test_the_production_default_is_json(settings):
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
