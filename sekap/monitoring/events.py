"""Counters and "last seen" marks that any process bumps and ``/metrics`` reads.

A web request, a Celery worker process and a beat job are different processes, and a worker's
Prometheus registry is never scraped. So the events that matter to the operator (a task's
outcome, a revocation or time-stamp fetch that failed) are counted in Redis when ``REDIS_URL``
is set (one hash per kind, ``HINCRBY``/``HSET``, shared by every process) and in this process
otherwise (the embedded default runs tasks in-process, so one process sees everything).

Recording never raises and never waits long: monitoring must not take down what it watches.
Call it outside transactions (it is a network call in production).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter

from django.conf import settings

from .samples import Sample

logger = logging.getLogger(__name__)

_COUNTERS_KEY = "sekap:monitoring:counters"
_MARKS_KEY = "sekap:monitoring:marks"

_lock = threading.Lock()
_local_counters: Counter[str] = Counter()
_local_marks: dict[str, float] = {}
_client = None

HELP = {
    "sekap_celery_task_outcomes": "Celery task runs by task and outcome (success, failure, "
    "retry, revoked).",
    "sekap_revocation_fetch_failures": "Fetches of revocation data (OCSP, CRL) that failed, by "
    "kind and host.",
    "sekap_tsa_failures": "Time-stamp requests the TSA did not answer properly.",
    "sekap_tsa_last_success_timestamp_seconds": "Unix time of the last time-stamp obtained.",
}


def _redis():
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        import redis

        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        )
    return _client


def _field(name: str, labels: dict[str, str]) -> str:
    return json.dumps([name, sorted(labels.items())], separators=(",", ":"))


def count(name: str, /, **labels: str) -> None:
    """Add one to the counter ``name`` with ``labels`` (low-cardinality values only)."""
    field = _field(name, labels)
    try:
        client = _redis()
        if client is None:
            with _lock:
                _local_counters[field] += 1
        else:
            client.hincrby(_COUNTERS_KEY, field, 1)
    except Exception as exc:  # the operator loses one count, never the caller's work
        logger.warning("monitoring counter %s not recorded: %r", name, exc)


def mark(name: str, /, **labels: str) -> None:
    """Remember now as the last time ``name`` happened (a gauge of Unix time)."""
    field = _field(name, labels)
    now = time.time()
    try:
        client = _redis()
        if client is None:
            with _lock:
                _local_marks[field] = now
        else:
            client.hset(_MARKS_KEY, field, now)
    except Exception as exc:
        logger.warning("monitoring mark %s not recorded: %r", name, exc)


def _read() -> tuple[dict[str, float], dict[str, float]]:
    client = _redis()
    if client is None:
        with _lock:
            return dict(_local_counters), dict(_local_marks)
    counters = {k.decode(): float(v) for k, v in client.hgetall(_COUNTERS_KEY).items()}
    marks = {k.decode(): float(v) for k, v in client.hgetall(_MARKS_KEY).items()}
    return counters, marks


def event_samples() -> list[Sample]:
    """The counters (exported as Prometheus counters) and the marks (gauges)."""
    counters, marks = _read()
    samples = []
    for kind, values in (("counter", counters), ("gauge", marks)):
        for field, value in sorted(values.items()):
            name, labels = json.loads(field)
            samples.append(
                Sample(name, HELP.get(name, name), value, dict(labels), kind=kind)  # type: ignore[arg-type]
            )
    return samples


def reset_for_tests() -> None:
    """Forget every count (the tests' fixture; in Redis, only this installation's keys)."""
    with _lock:
        _local_counters.clear()
        _local_marks.clear()
    client = _redis()
    if client is not None:
        client.delete(_COUNTERS_KEY, _MARKS_KEY)
