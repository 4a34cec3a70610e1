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
* cold: the first registrations on freshly started workers; warm: after a warm-up;
* the peer figure in the same run: the same load on ``GET /healthz`` (a bare Django view);
  beside each, the CPU seconds gunicorn's processes spent per request and the load average.
Goals: registration p95 <= 150 ms at 10 clerks; the label ready within 1 s.
Shared with the other HTTP benches: ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
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


def prepare(workdir: Path, port: int) -> dict:
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
    server = None
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

    def measured(make_request, *, clients: int, seconds: float, limit: int) -> dict:
        before = tree_cpu_seconds(server.pid)
        result = load(port, make_request, clients=clients, seconds=seconds, limit=limit,
                      done=(302,))  # fmt: skip
        cpu = tree_cpu_seconds(server.pid) - before
        result["cpu_ms"] = cpu * 1000 / max(result["ok"], 1)
        result["load"] = load_average()
        return result

    try:
        server = gunicorn(port, env, workers=args.workers)
        cold = measured(register, clients=args.clients, seconds=args.seconds,
                        limit=args.clients * 2)  # fmt: skip
        measured(register, clients=args.workers * 2, seconds=2, limit=args.workers * 5)
        peer = measured(health, clients=args.clients, seconds=args.seconds,
                        limit=args.max_requests)  # fmt: skip
        ours = measured(register, clients=args.clients, seconds=args.seconds,
                        limit=args.max_requests)  # fmt: skip
        from documents.models import RegisterEntry

        pks = list(
            RegisterEntry.objects.filter(office_id=data["office"]).values_list("pk", flat=True)
        )

        def label(n: int) -> bytes:
            pk = pks[n % len(pks)]
            return f"GET {base}/pozycje/{pk}/etykieta.pdf HTTP/1.1\r\n{head}\r\n".encode()

        labels = measured(label, clients=args.clients, seconds=args.seconds / 2,
                          limit=args.max_requests)  # fmt: skip
        numbers = sorted(
            RegisterEntry.objects.filter(office_id=data["office"]).values_list("number", flat=True)
        )
        gap_free = numbers == list(range(1, len(numbers) + 1))
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    def line(name: str, r: dict, unit: str) -> str:
        return (
            f"{name}: {r['per_second']:.0f} {unit}/s, p50 {r['p50_ms']:.1f} ms, "
            f"p95 {r['p95_ms']:.1f} ms, CPU {r['cpu_ms']:.1f} ms per request, "
            f"errors {r['errors']} {r['statuses']}; {r['load']}"
        )

    print(f"gunicorn {args.workers} sync workers (preloaded), {args.clients} clerks")
    print(line("peer  GET /healthz (bare view)", peer, "req"))
    print(line("cold  POST {register}/papier/, first requests", cold, "items"))
    print(line("ours  POST {register}/papier/ (register a paper item)", ours, "items")
          + "  (goal: p95 <= 150 ms)")  # fmt: skip
    print(line("ours  GET …/etykieta.pdf (label PDF)", labels, "labels"))
    print(
        f"label ready after registering (p95 + p95): "
        f"{ours['p95_ms'] + labels['p95_ms']:.0f} ms  (goal: <= 1000 ms); "
        f"{len(numbers)} RPW numbers, gap-free: {gap_free}"
    )


if __name__ == "__main__":
    main()
