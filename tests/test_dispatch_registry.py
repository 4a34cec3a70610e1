"""A fresh web process can dispatch every task the services name (Celery's autodiscovery of the
apps' tasks modules is lazy: before this, certauth's pre-signing and CRL dispatches from a web
request failed with "never registered" and waited for the beat sweep)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dispatched_names() -> set[str]:
    names = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts or "tests" in path.parts:
            continue
        names.update(re.findall(r'task_name="([a-z_.]+)"', path.read_text(errors="ignore")))
    return names


def test_every_dispatched_task_is_found_in_a_fresh_process():
    names = sorted(_dispatched_names())
    assert "certauth.tasks.presign_ocsp" in names
    program = (
        "import django, sys; django.setup()\n"
        "from sekap.dispatch import task_named\n"
        "for name in sys.argv[1:]:\n"
        "    task_named(name)\n"
        "print('ok')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sekap.settings"}
    result = subprocess.run(
        [sys.executable, "-c", program, *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
