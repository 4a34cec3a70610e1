"""Registering paper items at the registry desk: items/s and p95 at 10 concurrent clerks, and
the time until the item's barcode label (PDF) is ready.

One command:  .venv/bin/python bench/bench_register_paper.py [--clients 10] [--seconds 15]

* a scratch PostgreSQL database (BENCH_DATABASE_URL, default ``sekap_bench_register``, dropped
  and created) — never the development database;
* gunicorn (``--workers``, sync) on 127.0.0.1 serving the real project; a registry clerk logged
  in with password and TOTP (the session and CSRF cookies are then used by every client);
* each request is the real ``POST /backoffice/rejestr/<terc>/papier/`` of a letter from a known
  correspondent: form validation, the RPW number under the office's counter row lock, the
  register entry, the audit entry; answered 302 to the item's page;
* then ``GET …/pozycje/<pk>/etykieta.pdf`` (the Code128 label drawn as PDF, no rendering
  engine) under the same load; label ready = registration + label request;
* the peer figure in the same run: the same load on ``GET /healthz`` (a bare Django view).
Goals: registration p95 <= 150 ms at 10 clerks; the label ready within 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_submit import _client, free_port  # noqa: E402

BENCH_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403

AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}
"""


def prepare(workdir: Path, port: int) -> dict:
    import psycopg2

    db_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sekap_bench_register"
    )
    name = db_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(db_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
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
    from documents.tests.fixtures import make_service
    from documents.tests.test_backoffice import clerk_of
    from sekap.accounts.tests.factories import login_with_second_factor

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
    return {
        "env": env,
        "terc": setup.office.terc,
        "department": setup.department.pk,
        "correspondent": who.pk,
        "office": setup.office.pk,
        "cookies": "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items()),
        "csrf": browser.cookies["csrftoken"].value,
    }


def load(port: int, make_request, *, clients: int, seconds: float, limit: int) -> dict:
    """Closed loop: each client sends as soon as it has its answer (302 counts as done)."""
    import asyncio
    import statistics

    results: list[tuple[int, float]] = []
    counter = [0]

    async def main():
        deadline = time.monotonic() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(
            _client("127.0.0.1", port, make_request, deadline, limit, results, counter, 0, t0)
            for _ in range(clients)
        ))  # fmt: skip

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    ok = sorted(t for status, t in results if status in (200, 302))
    return {
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "statuses": sorted({status for status, _t in results}),
        "per_second": len(ok) / elapsed,
        "p50_ms": statistics.median(ok) * 1000 if ok else float("nan"),
        "p95_ms": ok[max(int(len(ok) * 0.95) - 1, 0)] * 1000 if ok else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-register-"))
    port = free_port()
    data = prepare(workdir, port)
    env = os.environ | data["env"]
    gunicorn = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "sekap.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "5"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"/backoffice/rejestr/{data['terc']}"
        head = f"Host: 127.0.0.1\r\nCookie: {data['cookies']}\r\n"

        def register(n: int) -> bytes:
            body = urlencode(
                {
                    "correspondent": data["correspondent"],
                    "title": f"Pismo {n}",
                    "channel": "post",
                    "department": data["department"],
                    "attachments_count": "1",
                }
            ).encode()
            return (
                f"POST {base}/papier/ HTTP/1.1\r\n{head}X-CSRFToken: {data['csrf']}\r\n"
                f"Referer: http://127.0.0.1:{port}{base}/papier/\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body

        def health(_n: int) -> bytes:
            return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

        load(port, register, clients=args.workers * 2, seconds=2, limit=args.workers * 5)
        peer = load(port, health, clients=args.clients, seconds=args.seconds,
                    limit=args.max_requests)  # fmt: skip
        ours = load(port, register, clients=args.clients, seconds=args.seconds,
                    limit=args.max_requests)  # fmt: skip
        from documents.models import RegisterEntry

        pks = list(
            RegisterEntry.objects.filter(office_id=data["office"]).values_list("pk", flat=True)
        )

        def label(n: int) -> bytes:
            pk = pks[n % len(pks)]
            return f"GET {base}/pozycje/{pk}/etykieta.pdf HTTP/1.1\r\n{head}\r\n".encode()

        labels = load(port, label, clients=args.clients, seconds=args.seconds / 2,
                      limit=args.max_requests)  # fmt: skip
        numbers = sorted(
            RegisterEntry.objects.filter(office_id=data["office"]).values_list("number", flat=True)
        )
        gap_free = numbers == list(range(1, len(numbers) + 1))
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"gunicorn {args.workers} sync workers, {args.clients} clerks, {os.cpu_count()} cores")
    print(
        f"peer  GET /healthz (bare view): {peer['per_second']:.0f} req/s, "
        f"p50 {peer['p50_ms']:.1f} ms, p95 {peer['p95_ms']:.1f} ms, errors {peer['errors']}"
    )
    print(
        f"ours  POST {{register}}/papier/ (register a paper item): {ours['per_second']:.0f} "
        f"items/s, p50 {ours['p50_ms']:.1f} ms, p95 {ours['p95_ms']:.1f} ms, "
        f"errors {ours['errors']} {ours['statuses']}  (goal: p95 <= 150 ms)"
    )
    print(
        f"ours  GET …/etykieta.pdf (label PDF): {labels['per_second']:.0f} labels/s, "
        f"p50 {labels['p50_ms']:.1f} ms, p95 {labels['p95_ms']:.1f} ms, errors {labels['errors']}"
    )
    print(
        f"label ready after registering (p95 + p95): "
        f"{ours['p95_ms'] + labels['p95_ms']:.0f} ms  (goal: <= 1000 ms); "
        f"{len(numbers)} RPW numbers, gap-free: {gap_free}"
    )


if __name__ == "__main__":
    main()
