"""The fault drills' installation (one per test module run) and the figures they print."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.support import REQUIRE_SERVICES, unavailable

from .stack import RUNTIME, Stack, StackError, tail

CITIZENS = 16
DOCUMENTS = 240  # three drills of at most PER_DRILL (80) requests
REPORT: list[str] = []


def drills_enabled() -> bool:
    """``make drills``, or CI's second pass (PostgreSQL and Redis configured): the drills start
    their own services, but they belong with the suite that runs on the real ones."""
    if os.environ.get("SEKAP_DRILLS") == "1":
        return True
    return os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(
        os.environ.get("REDIS_URL")
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Private PostgreSQL and Redis, gunicorn and a Celery worker, with the drill's data; fails
    (never skips) when services are required and one cannot be started."""
    if not drills_enabled():
        pytest.skip(
            "fault drills run in CI's second pass (DATABASE_URL=postgres..., REDIS_URL) or with "
            "`make drills`; they start their own PostgreSQL, Redis, gunicorn and Celery worker"
        )
    started = time.monotonic()
    stack = Stack.create(tmp_path_factory.mktemp("drill"))
    try:
        stack.postgres.init()
        stack.redis.start()
        out = stack.directory / "requests.json"
        # the schema and the data are made while gunicorn and the worker start
        fixture = subprocess.Popen(
            [sys.executable, str(RUNTIME / "drill_fixture.py"), str(out), str(CITIZENS),
             str(DOCUMENTS)],
            env=stack.env, stdout=subprocess.DEVNULL, stderr=stack.log("fixture").open("wb"),
        )  # fmt: skip
        stack.start_web()
        stack.start_worker()
        stack.supervise_worker()
        if fixture.wait(timeout=600) != 0:
            raise StackError(f"the drill's data could not be made:\n{tail(stack.log('fixture'))}")
        stack.requests = [
            {**request, "document": base64.b64decode(request["document"])}
            for request in json.loads(out.read_text())
        ]
    except (StackError, OSError, subprocess.SubprocessError) as exc:
        diagnostics = stack.diagnostics()
        stack.stop()
        unavailable(f"the drill's services did not start: {exc}\n{diagnostics}",
                    required=REQUIRE_SERVICES)  # fmt: skip
    REPORT.append(f"installation and data ready in {time.monotonic() - started:.0f} s")
    yield stack
    stack.stop()
    shutil.rmtree(stack.directory, ignore_errors=True)


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.section("fault drills")
        for line in REPORT:
            terminalreporter.write_line(line)
