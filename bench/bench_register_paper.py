"""Registering paper items at the registry desk: items/s and p95 at 10 concurrent clerks, and
the time until the item's barcode label (PDF) is ready.

One command:  .venv/bin/python bench/bench_register_paper.py [--clients 10] [--seconds 15]

* a scratch PostgreSQL database (BENCH_DATABASE_URL, default ``sekap_bench_register``, dropped
  and created) — never the development database;
* gunicorn (``--workers``, sync) on 127.0.0.1 serving the real project; ``--offices`` offices,
  each with a registry clerk logged in with password and TOTP (each client uses its office
  clerk's session and CSRF cookies);
* one item = the real ``POST /backoffice/rejestr/<terc>/papier/`` of a letter from a known
  correspondent (form validation, the RPW number under the office's counter row lock, the
  register entry, the audit entry under the office's chain head lock; answered 302 to the
  item's page), then ``GET …/pozycje/<pk>/etykieta.pdf`` (the Code128 label, checked to be a
  PDF); label ready = from sending the registration to the label's last byte, per item;
* cold: the first registrations on freshly started workers; warm: after a warm-up;
* two warm mixes: the worst case (every clerk in one office, all queueing on its two row
  locks) and the realistic one (the clerks spread over the offices);
* the peer figure in the same run: the same load on ``GET /healthz`` (a bare Django view);
  beside each, the CPU seconds gunicorn's processes spent per item and the load average.
Goals: registration p95 <= 150 ms at 10 clerks; the label ready within 1 s.
Shared with the other HTTP benches: ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    database_create,
    free_port,
    gunicorn,
    load,
    load_average,
    stop,
    tree_cpu_seconds,
)

BENCH_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403

AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}
"""


def prepare(workdir: Path, port: int, *, offices: int = 1) -> dict:
    """The scratch database with ``offices`` offices, each with a registry clerk logged in and a
    known correspondent; ``data["offices"]`` lists what a client needs for each."""
    db_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sekap_bench_register"
    )
    database_create(db_url)
    (workdir / "bench_register_settings.py").write_text(BENCH_SETTINGS)
    env = {
        "DATABASE_URL": db_url,
        "SEKAP_VAR_DIR": str(workdir),
        "CA_KEY_PASSPHRASE": "bench passphrase",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "bench_register_settings",
        "PYTHONPATH": f"{workdir}:{ROOT}",
    }
    os.environ.update(env)
    sys.path[:0] = [str(workdir), str(ROOT)]
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from documents.services.register import CorrespondentDetails, correspondent_find_or_create
    from documents.tests.fixtures import clerk_of, make_service
    from sekap.accounts.tests.factories import login_with_second_factor

    desks = []
    for _n in range(offices):
        setup = make_service()
        clerk = clerk_of(setup, role="registry_clerk", department=False)
        who = correspondent_find_or_create(
            office=setup.office,
            details=CorrespondentDetails(first_name="Zofia", last_name="Łęcka", city="Gliwice"),
            actor=clerk,
        )
        browser = Client(HTTP_HOST="127.0.0.1")
        login_with_second_factor(browser, clerk)
        browser.get(f"/backoffice/rejestr/{setup.office.terc}/papier/")
        desks.append(
            {
                "terc": setup.office.terc,
                "department": setup.department.pk,
                "correspondent": who.pk,
                "office": setup.office.pk,
                "cookies": "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items()),
                "csrf": browser.cookies["csrftoken"].value,
            }
        )
    return {"env": env, "offices": desks, **desks[0]}


def register_request(desk: dict, port: int, n: int) -> bytes:
    """The raw ``POST …/papier/`` of letter ``n`` at ``desk`` (an entry of ``offices``)."""
    base = f"/backoffice/rejestr/{desk['terc']}"
    body = urlencode(
        {
            "correspondent": desk["correspondent"],
            "title": f"Pismo {n}",
            "channel": "post",
            "department": desk["department"],
            "attachments_count": "1",
        }
    ).encode()
    return (
        f"POST {base}/papier/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {desk['cookies']}\r\n"
        f"X-CSRFToken: {desk['csrf']}\r\nReferer: http://127.0.0.1:{port}{base}/papier/\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _answer(reader) -> tuple[int, dict, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return int(status_line.split()[1]), headers, body


async def _exchange(port: int, reader, writer, request: bytes):
    """Send ``request`` on the connection (opened when there is none) and read the answer; the
    connection is closed when the server says so (gunicorn's sync workers do)."""
    if writer is None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    status, headers, body = await _answer(reader)
    if headers.get("connection", "").lower() == "close":
        writer.close()
        reader = writer = None
    return reader, writer, status, headers, body


def items(port: int, desks: list[dict], *, clients: int, seconds: float, limit: int) -> dict:
    """Closed loop: each client registers an item of its office (clients spread over ``desks``
    in turn) and then downloads its label; the latencies of both and the label-ready time."""
    registered: list[float] = []
    ready: list[float] = []
    label_only: list[float] = []
    failures: list[str] = []
    counter = [0]

    async def client(index: int, deadline: float) -> None:
        desk = desks[index % len(desks)]
        cookie = f"Host: 127.0.0.1\r\nCookie: {desk['cookies']}\r\n"
        reader = writer = None
        while time.monotonic() < deadline and counter[0] < limit:
            counter[0] += 1
            start = time.perf_counter()
            try:
                reader, writer, status, headers, _body = await _exchange(
                    port, reader, writer, register_request(desk, port, counter[0])
                )
                if status != 302:
                    failures.append(f"register {status}")
                    continue
                done = time.perf_counter()
                label = f"GET {headers['location']}etykieta.pdf HTTP/1.1\r\n{cookie}\r\n"
                reader, writer, status, _headers, body = await _exchange(
                    port, reader, writer, label.encode()
                )
                end = time.perf_counter()
                if status != 200 or not body.startswith(b"%PDF-"):
                    failures.append(f"label {status}")
                    continue
                registered.append(done - start)
                label_only.append(end - done)
                ready.append(end - start)
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                failures.append(type(exc).__name__)
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client(i, deadline) for i in range(clients)))

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started

    def p(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[max(int(len(values) * q) - 1, 0)] * 1000 if values else float("nan")

    return {
        "ok": len(ready),
        "errors": len(failures),
        "statuses": sorted(set(failures)),
        "per_second": len(ready) / elapsed,
        "p50_ms": statistics.median(registered) * 1000 if registered else float("nan"),
        "p95_ms": p(registered, 0.95),
        "label_p95_ms": p(label_only, 0.95),
        "ready_p50_ms": statistics.median(ready) * 1000 if ready else float("nan"),
        "ready_p95_ms": p(ready, 0.95),
        "ready_max_ms": max(ready) * 1000 if ready else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--offices", type=int, default=5, help="offices of the realistic mix")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-register-"))
    port = free_port()
    data = prepare(workdir, port, offices=args.offices)
    env = os.environ | data["env"]
    desks = data["offices"]
    server = None

    def health(_n: int) -> bytes:
        return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def measured(run) -> dict:
        before = tree_cpu_seconds(server.pid)
        result = run()
        cpu = tree_cpu_seconds(server.pid) - before
        result["cpu_ms"] = cpu * 1000 / max(result["ok"], 1)
        result["load"] = load_average()
        return result

    try:
        server = gunicorn(port, env, workers=args.workers)
        cold = measured(lambda: items(port, desks[:1], clients=args.clients,
                                      seconds=args.seconds, limit=args.clients * 2))  # fmt: skip
        items(port, desks, clients=args.workers * 2, seconds=2, limit=args.workers * 10)
        peer = measured(lambda: load(port, health, clients=args.clients, seconds=args.seconds,
                                     limit=args.max_requests))  # fmt: skip
        one = measured(lambda: items(port, desks[:1], clients=args.clients,
                                     seconds=args.seconds, limit=args.max_requests))  # fmt: skip
        mix = measured(lambda: items(port, desks, clients=args.clients,
                                     seconds=args.seconds, limit=args.max_requests))  # fmt: skip
        from documents.models import RegisterEntry

        gap_free = True
        total = 0
        for desk in desks:
            numbers = sorted(
                RegisterEntry.objects.filter(office_id=desk["office"]).values_list(
                    "number", flat=True
                )
            )
            total += len(numbers)
            gap_free = gap_free and numbers == list(range(1, len(numbers) + 1))
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    def line(name: str, r: dict) -> str:
        return (
            f"{name}: {r['per_second']:.0f}/s, p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
            f"CPU {r['cpu_ms']:.1f} ms each, errors {r['errors']} {r['statuses']}; {r['load']}"
        )

    def ready(r: dict) -> str:
        return (
            f"      label GET p95 {r['label_p95_ms']:.1f} ms; label ready (request to PDF) "
            f"p50 {r['ready_p50_ms']:.0f} ms, p95 {r['ready_p95_ms']:.0f} ms, "
            f"max {r['ready_max_ms']:.0f} ms (goal: <= 1000 ms)"
        )

    print(f"gunicorn {args.workers} sync workers (preloaded), {args.clients} clerks")
    print(line("peer  GET /healthz (bare view), requests", peer))
    print(line("cold  register + label, 1 office, first items", cold))
    print(ready(cold))
    print(line(f"ours  register + label, 1 office ({args.clients} clerks), items", one)
          + "  (goal: registration p95 <= 150 ms)")  # fmt: skip
    print(ready(one))
    print(line(f"ours  register + label, {len(desks)} offices, items", mix))
    print(ready(mix))
    print(f"{total} RPW numbers in {len(desks)} offices, gap-free in each: {gap_free}")


if __name__ == "__main__":
    main()
