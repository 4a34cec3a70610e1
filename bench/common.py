"""What the HTTP benchmarks share: scratch PostgreSQL databases, a gunicorn server of the real
project, and the CPU time that the server's processes spent (read from /proc)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin(db_url: str):
    import psycopg2

    admin = psycopg2.connect(db_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    return admin


def database_create(db_url: str, *, template: str | None = None) -> None:
    """Drop the database of ``db_url`` and create it (empty, or a copy of ``template``)."""
    name = db_url.rsplit("/", 1)[1]
    admin = _admin(db_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        cursor.execute(f'CREATE DATABASE "{name}"{copy}')
    admin.close()


def database_exists(db_url: str) -> bool:
    admin = _admin(db_url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_url.rsplit("/", 1)[1]])
        found = cursor.fetchone() is not None
    admin.close()
    return found


def wait_listening(port: int, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def gunicorn(port: int, env: dict, *, workers: int) -> subprocess.Popen:
    """The real project on gunicorn (sync workers, the app loaded before the fork: see
    ``bench_wsgi``), listening when this returns."""
    env = env | {"PYTHONPATH": f"{env.get('PYTHONPATH', ROOT)}:{ROOT / 'bench'}"}
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "bench_wsgi:application", "--preload",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--backlog", "512", "--keep-alive", "5", "--timeout", "120"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    wait_listening(port, seconds=120)
    return process


def stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process is None:
            continue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def tree_cpu_seconds(root_pid: int) -> float:
    """User + system CPU seconds of a process and its live children (gunicorn's or a Celery
    worker's pool); sample before and after a phase and subtract."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat(int(entry))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if int(entry) == root_pid or int(fields[1]) == root_pid:
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def load_average() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())
