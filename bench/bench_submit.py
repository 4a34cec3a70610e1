"""Submissions accepted per second and p95 of the submit request; pipeline completions/s.

One command:  .venv/bin/python bench/bench_submit.py [--clients 50] [--seconds 15]

* a scratch PostgreSQL database (BENCH_DATABASE_URL, default ``sekap_bench_docs``, dropped
  and created) and Redis db 11 (BENCH_REDIS_URL) — never the development database;
* gunicorn (``--workers``, sync) on 127.0.0.1 serving the real project;
* a document signed in advance with a certauth-issued citizen certificate; every request is a
  ``POST /api/v1/submissions/`` with its own Idempotency-Key (token auth), so each one stores
  the bytes, issues and seals a UPP, writes the inbox and the audit trail in one transaction;
* 50 concurrent keep-alive clients (asyncio, one process) for a bounded time and count;
* the peer figure in the same run: the same load on ``GET /healthz`` (a small Django JSON view,
  the stack baseline of reference/stack-baselines.md);
* then one Celery worker (prefork, 2 processes) starts on the queued intakes and we measure
  completions per second (signature validation with revocation, RPW, case, deadline, notice).
Goals: p95 <= 100 ms and >= 150 accepted/s; >= 100 pipeline completions/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

BENCH_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403

SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
DOCUMENTS_PDF_QUEUE = "bench-pdf"  # PDFs are rendered by another worker pool
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(workdir: Path, port: int) -> dict:
    """Scratch database, CA, office, service, citizen with certificate, the signed document."""
    import psycopg2

    db_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sekap_bench_docs"
    )
    name = db_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(db_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    (workdir / "bench_documents_settings.py").write_text(BENCH_SETTINGS)
    env = {
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SEKAP_VAR_DIR": str(workdir),
        "CA_KEY_PASSPHRASE": "bench passphrase",
        "CERTAUTH_BASE_URL": f"http://127.0.0.1:{port}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "bench_documents_settings",
        "PYTHONPATH": f"{workdir}:{ROOT}",
    }
    os.environ.update(env)
    sys.path[:0] = [str(workdir), str(ROOT)]
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CERTAUTH_BASE_URL = env["CERTAUTH_BASE_URL"]
    call_command("migrate", verbosity=0)
    call_command("ca_init", "--if-missing", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from rest_framework.authtoken.models import Token

    from certauth.models import CertificateAuthority
    from documents.tests.fixtures import document_for, make_citizen, make_service

    setup = make_service()
    citizen = make_citizen(CertificateAuthority.objects.get(slug="sekap-issuing"),
                           pesel="44051401359")  # fmt: skip
    signed = citizen.sign(document_for(setup))
    token = Token.objects.create(user=citizen.user).key
    return {
        "env": env,
        "service": setup.service.pk,
        "terc": setup.office.terc,
        "signed": signed,
        "token": token,
    }


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
    port: int, make_request, *, clients: int, seconds: float, limit: int, rate: float = 0
) -> dict:
    """Closed loop (each client sends as soon as it has its answer), or open loop at ``rate``
    requests per second spread over at most ``clients`` connections."""
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
    ok = sorted(t for status, t in results if 200 <= status < 300)
    return {
        "requests": len(results),
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "per_second": len(ok) / elapsed,
        "p50_ms": statistics.median(ok) * 1000 if ok else float("nan"),
        "p95_ms": ok[int(len(ok) * 0.95) - 1] * 1000 if ok else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rate", type=float, default=150.0, help="open-loop rate (req/s)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-submit-"))
    port = free_port()
    data = prepare(workdir, port)
    env = os.environ | data["env"]
    gunicorn = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "sekap.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "512",
         "--keep-alive", "5"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = None
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        signed, token, service = data["signed"], data["token"], data["service"]
        run_id = uuid.uuid4().hex[:8]

        def submit(n: int) -> bytes:
            head = (
                f"POST /api/v1/submissions/?service={service} HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
                f"Content-Type: application/xml\r\nIdempotency-Key: {run_id}-{n}\r\n"
                f"Content-Length: {len(signed)}\r\n\r\n"
            )
            return head.encode() + signed

        def office(_n: int) -> bytes:
            return (
                f"GET /api/v1/offices/{data['terc']}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            )

        # warm every worker (seal lookup, XSD, first connections)
        load(port, submit, clients=args.workers * 2, seconds=3, limit=args.workers * 10)
        peer = load(port, office, clients=args.clients, seconds=args.seconds,
                    limit=args.max_requests)  # fmt: skip
        ours = load(port, submit, clients=args.clients, seconds=args.seconds,
                    limit=args.max_requests)  # fmt: skip
        paced = load(port, submit, clients=args.clients, seconds=args.seconds,
                     limit=int(args.rate * args.seconds), rate=args.rate)  # fmt: skip

        from documents.models import Stage, Submission

        total = Submission.objects.count()
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "sekap", "worker", "--pool=prefork",
             "--concurrency=2", "--loglevel=ERROR", "--without-gossip", "--without-mingle",
             "--hostname", f"bench-{run_id}@localhost"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        first = last = None
        done = first_done = 0
        limit = time.monotonic() + 600
        while time.monotonic() < limit:
            done = Submission.objects.filter(stage=Stage.COMPLETED).count()
            now = time.perf_counter()
            if done and first is None:
                first, first_done = now, done
            if done >= total:
                last = now
                break
            time.sleep(0.2)
        pipeline = (done - first_done) / (last - first) if first and last and last > first else 0
        attention = Submission.objects.filter(needs_attention=True).count()
        passed = Submission.objects.filter(signature_indication="TOTAL_PASSED").count()
    finally:
        for process in (worker, gunicorn):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"gunicorn {args.workers} sync workers, {args.clients} clients, {os.cpu_count()} cores")
    print(
        f"peer  GET /api/v1/offices/<terc>/ (DRF, one row, closed loop): "
        f"{peer['per_second']:.0f} req/s, p50 {peer['p50_ms']:.1f} ms, "
        f"p95 {peer['p95_ms']:.1f} ms, errors {peer['errors']}"
    )
    print(
        f"ours  POST /api/v1/submissions/ closed loop (saturation): {ours['per_second']:.0f} "
        f"accepted/s, p50 {ours['p50_ms']:.1f} ms, p95 {ours['p95_ms']:.1f} ms, "
        f"errors {ours['errors']}  (goal: >= 150/s)"
    )
    print(
        f"ours  POST /api/v1/submissions/ open loop at {args.rate:.0f}/s: "
        f"{paced['per_second']:.0f} accepted/s, p50 {paced['p50_ms']:.1f} ms, "
        f"p95 {paced['p95_ms']:.1f} ms, errors {paced['errors']}  (goal: p95 <= 100 ms)"
    )
    print(
        f"pipeline, one worker (prefork 2): {pipeline:.0f} completions/s over {done} of "
        f"{total} submissions; signature TOTAL_PASSED {passed}, marked for a clerk "
        f"{attention}  (goal: >= 100/s)"
    )


if __name__ == "__main__":
    main()
