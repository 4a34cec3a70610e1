"""What the HTTP benchmarks share: scratch PostgreSQL databases, a gunicorn server of the real
project, keep-alive HTTP clients in closed or open loop (``load``), and the CPU time that the
server's processes spent (read from /proc)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
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


def gunicorn(
    port: int, env: dict, *, workers: int, app: str = "bench_wsgi:application"
) -> subprocess.Popen:
    """The real project on gunicorn (sync workers, the app loaded before the fork: see
    ``bench_wsgi``; ``app`` another WSGI module of bench/ that wraps it), listening when this
    returns."""
    env = env | {"PYTHONPATH": f"{env.get('PYTHONPATH', ROOT)}:{ROOT / 'bench'}"}
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), app, "--preload",
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


async def _client(host, port, make_request, deadline, limit, results, counter, rate, t0):
    reader = writer = None
    while time.monotonic() < deadline and counter[0] < limit:
        counter[0] += 1
        index = counter[0]
        request = make_request(index)
        start = time.perf_counter()
        if rate:  # open loop: request ``index`` is due at t0 + index / rate
            due = t0 + index / rate
            if due > start:
                await asyncio.sleep(due - start)
            start = due  # latency counts from when it was due (no coordinated omission)
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("closed")
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                key, _, value = line.decode("latin-1").partition(":")
                if key.lower() == "content-length":
                    length = int(value.strip())
                if key.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            await reader.readexactly(length)
            results.append((int(status_line.split()[1]), time.perf_counter() - start))
            if close:
                writer.close()
                reader = writer = None
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            results.append((0, 0.0))
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def load(
    port: int,
    make_request,
    *,
    clients: int,
    seconds: float,
    limit: int,
    rate: float = 0,
    done: tuple[int, ...] = (),
) -> dict:
    """Closed loop (each client sends as soon as it has its answer), or open loop at ``rate``
    requests per second spread over at most ``clients`` connections. ``make_request(n)`` gives
    the raw HTTP/1.1 request; an answer 2xx (or with a status in ``done``, e.g. 302 after a
    form) counts as done."""
    results: list[tuple[int, float]] = []
    counter = [0]

    async def main():
        deadline = time.monotonic() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(
            _client("127.0.0.1", port, make_request, deadline, limit, results, counter, rate, t0)
            for _ in range(clients)
        ))  # fmt: skip

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    ok = sorted(t for status, t in results if 200 <= status < 300 or status in done)
    return {
        "requests": len(results),
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "statuses": sorted({status for status, _t in results}),
        "per_second": len(ok) / elapsed,
        "p50_ms": statistics.median(ok) * 1000 if ok else float("nan"),
        "p95_ms": ok[max(int(len(ok) * 0.95) - 1, 0)] * 1000 if ok else float("nan"),
    }


def load_average() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def backends_cpu_seconds(db_url: str) -> dict[int, float]:
    """CPU seconds of each local PostgreSQL backend connected to the database of ``db_url``
    (by pid; sample before and after a phase: a backend new since counts from 0)."""
    admin = _admin(db_url)
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_url.rsplit("/", 1)[1]]
        )
        pids = [row[0] for row in cursor.fetchall()]
    admin.close()
    seconds = {}
    for pid in pids:
        try:
            fields = _stat(pid)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return seconds


def backends_cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())
