"""Fault drills: while signed submissions are filed over HTTP at a steady rate, the Celery
worker is killed with SIGKILL, Redis is stopped and started again, PostgreSQL is restarted.
Afterwards every submission answered 201 exists with its receipt and was processed exactly
once, none is lost, and nothing answered with an error was stored (in part or whole).

Each drill prints its figures (also in the "fault drills" section at the end of the run).
The drills run in CI's second pass and with ``make drills``; see docs/operations.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest

from .conftest import REPORT
from .load import LoadGenerator
from .stack import RUNTIME, Stack, wait_until
from .verify import figures, rows

pytestmark = [pytest.mark.drill, pytest.mark.worker]

RATE = 4.0  # submissions per second offered (every one a new signed document)
BEFORE = 4.0  # seconds of load before the fault
AFTER = 6.0  # seconds of load after the service is back
PER_DRILL = 80  # the documents each drill may use (a drill sends about 40-60)


def _pending(stack: Stack, label: str) -> int:
    with psycopg2.connect(stack.postgres.url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM documents_submission"
            " WHERE stage < 40 AND idempotency_key LIKE %s",
            [f"{label}-%"],
        )
        return cursor.fetchone()[0]


def _wait_processed(stack: Stack, label: str, *, seconds: float) -> int:
    """Wait until every submission of the drill completed, or ``seconds`` passed without one
    completing; the number still pending."""
    pending, quiet_since = _pending(stack, label), time.monotonic()
    while pending and time.monotonic() - quiet_since < seconds:
        time.sleep(0.5)
        now = _pending(stack, label)
        if now < pending:
            quiet_since = time.monotonic()
        pending = now
    return pending


def _sweep(stack: Stack) -> dict:
    result = subprocess.run(
        [sys.executable, str(RUNTIME / "drill_sweep.py")],
        env=stack.env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def drill(stack: Stack, *, number: int, fault: str, inject) -> None:
    started = time.monotonic()
    label = f"{fault.split()[0]}-{uuid.uuid4().hex[:6]}"
    requests = stack.requests[number * PER_DRILL : (number + 1) * PER_DRILL]
    load = LoadGenerator(port=stack.web_port, requests=requests, label=label, rate=RATE)
    restarts = stack.supervisor_restarts
    load.start()
    time.sleep(BEFORE)
    inject()
    time.sleep(AFTER)
    outcomes = load.stop()
    # the pipeline catches up by itself (retries, redelivery) ...
    pending = left = _wait_processed(stack, label, seconds=10)
    # ... and what it cannot, the beat's sweeper dispatches again once its lease has run out
    # (a few rounds: a worker the supervisor is starting again may miss the first)
    swept: list[dict] = []
    while left and len(swept) < 3:
        swept.append(_sweep(stack))
        left = _wait_processed(stack, label, seconds=20)
    result = figures(fault=fault, outcomes=outcomes, found=rows(stack.postgres.url, label),
                     dsn=stack.postgres.url)  # fmt: skip
    result.recovered_by_sweeper = pending - left
    result.worker_restarts = stack.supervisor_restarts - restarts
    REPORT.append(
        result.line()
        + (f"; sweeps {swept}" if swept else "")
        + f"; {time.monotonic() - started:.0f} s"
    )
    print(REPORT[-1])
    details = "\n".join([REPORT[-1], *result.problems[:10], *result.rpw_problems])
    if result.problems or result.rpw_problems:
        details += "\n" + stack.diagnostics()
    assert result.acknowledged > 0, details
    assert result.lost == 0, details
    assert result.processed_twice == 0, details
    assert result.half_stored == 0, details
    assert result.stored_though_refused == 0, details
    assert result.unprocessed == 0, details
    assert result.processed == result.acknowledged, details
    assert not result.rpw_problems, details
    assert not result.problems, details


def test_worker_killed_with_sigkill(stack):
    def inject():
        killed = stack.kill_worker()
        wait_until(lambda: stack.worker is not None and stack.worker.pid != killed
                   and stack.worker.poll() is None, seconds=90, what="a new worker")  # fmt: skip

    drill(stack, number=0, fault="worker SIGKILL", inject=inject)


def test_redis_stopped_and_started(stack):
    def inject():
        stack.redis.stop()
        time.sleep(5)
        stack.redis.start()

    drill(stack, number=1, fault="redis stop/start", inject=inject)


def test_postgresql_restarted(stack):
    drill(stack, number=2, fault="postgresql restart", inject=stack.postgres.restart)


def test_audit_trail_intact_after_the_drills(stack):
    """The hash chains of the audit trail survived the three faults unbroken."""
    assert stack.manage("audit_verify", "--skip-anchors").strip() == "OK"
