"""Submissions accepted per second and p95 of the submit request; pipeline completions/s.

One command:  .venv/bin/python bench/bench_submit.py [--clients 50] [--seconds 15]

* a realistic mix, generated once and cached under ``var/bench_submit/`` (a template database
  and the CA's keys; made again when the migrations or the options change): ``--citizens``
  (1,200) verified citizens, each with their own certauth-issued signing certificate and API
  token, filing ``--per-citizen`` (4) different applications each to ``--offices`` (4)
  offices; every request carries another signed document, so the intake validates a
  thousand and more different signers, as it would on a working day;
* a scratch PostgreSQL database copied from that template (BENCH_DATABASE_URL, default
  ``sekap_bench_docs``, dropped and created) and Redis db 11 (BENCH_REDIS_URL), never the
  development database;
* gunicorn (``--workers``, sync) on 127.0.0.1:``--port`` serving the real project (a fixed
  port: the certificates name its CRL address); every request is a ``POST /api/v1/
  submissions/`` with its own Idempotency-Key (token auth), so each one stores the bytes,
  issues and seals a UPP, writes the inbox and the audit trail in one transaction;
* 50 concurrent keep-alive clients (asyncio, one process) for a bounded time and count:
  closed loop (saturation), then open loop at ``--rate`` (default: 70 % of the saturation
  figure just measured, a load the server sustains);
* the peer figure in the same run: the same closed loop on ``GET /api/v1/offices/<terc>/``
  (a one-row DRF GET), measured before and after ours (peer, ours, ours, peer: half the time
  each), so the load of a shared machine drifting during the run weighs on both alike;
* then one Celery worker (prefork, 2 processes) starts on the queued intakes and we measure
  completions per second (signature validation with revocation, RPW, case, deadline, notice).
Beside each rate: the CPU seconds the server's (or the worker's) processes spent per request,
and those of the run database's PostgreSQL backends (the same two cores serve both), and the
load average, since the machine may be shared.
Goals (issue 14): accepted/s >= 0.3 x the peer, p95 <= 100 ms at a sustained offered load,
pipeline >= 100 completions/s and >= 0.2 x the peer.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    VENV_BIN,
    backends_cpu_seconds,
    backends_cpu_used,
    database_create,
    database_exists,
    gunicorn,
    load,
    load_average,
    stop,
    tree_cpu_seconds,
)

__all__ = ["prepare"]

FIXTURE_VERSION = 1
BENCH_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403

SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
DOCUMENTS_PDF_QUEUE = "bench-pdf"  # PDFs are rendered by another worker pool
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}
"""


def _environment(*, db_url: str, redis_url: str, var: Path, settings_dir: Path, port: int):
    return {
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SEKAP_VAR_DIR": str(var),
        "CA_KEY_PASSPHRASE": "bench passphrase",
        "CERTAUTH_BASE_URL": f"http://127.0.0.1:{port}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "bench_documents_settings",
        "PYTHONPATH": f"{settings_dir}:{ROOT}",
    }


def _fixture_key(args) -> str:
    migrations = sorted(
        str(path.relative_to(ROOT)) for path in ROOT.glob("**/migrations/0*.py")
        if ".venv" not in path.parts
    )  # fmt: skip
    text = repr((FIXTURE_VERSION, args.citizens, args.per_citizen, args.offices, args.port,
                 migrations, BENCH_SETTINGS))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def make_fixture(cache: Path, *, citizens: int, per_citizen: int, offices: int) -> None:
    """Run in a subprocess whose environment names the template database: the offices,
    services, citizens with certificates and tokens, and the signed documents."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("ca_init", "--if-missing", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from rest_framework.authtoken.models import Token

    from certauth.models import CertificateAuthority
    from documents.tests.fixtures import document_for, make_citizen, make_service

    ca = CertificateAuthority.objects.get(slug="sekap-issuing")
    setups = [make_service() for _ in range(offices)]
    people = []
    for n in range(citizens):
        citizen = make_citizen(ca)
        people.append((citizen, Token.objects.create(user=citizen.user).key, setups[n % offices]))
    requests = []
    for round_ in range(per_citizen):
        for n, (citizen, token, setup) in enumerate(people):
            xml = document_for(setup, note=f"Wniosek {round_}-{n}: prosz\u0119 o wydanie.")
            requests.append((token, setup.service.pk, citizen.sign(xml)))
    data = {"requests": requests, "terc": setups[0].office.terc}
    (cache / "fixture.pickle").write_bytes(pickle.dumps(data))
    connections.close_all()


def prepare(workdir: Path, port: int, args=None) -> dict:
    """The scratch database (a copy of the cached template), the environment of the run, and
    the requests to send: ``{"env", "requests": [(token, service, signed)], "terc"}``."""
    args = args or argparse.Namespace(citizens=1200, per_citizen=4, offices=4, port=port)
    db_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sekap_bench_docs"
    )
    template_url = db_url + "_fixture"
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    cache = ROOT / "var" / "bench_submit"
    key = _fixture_key(args)
    key_file = cache / "key.txt"
    fresh = not (
        key_file.exists() and key_file.read_text() == key and database_exists(template_url)
    )
    if fresh:
        started = time.perf_counter()
        shutil.rmtree(cache, ignore_errors=True)
        (cache / "var").mkdir(parents=True)
        (cache / "bench_documents_settings.py").write_text(BENCH_SETTINGS)
        database_create(template_url)
        env = _environment(db_url=template_url, redis_url=redis_url, var=cache / "var",
                           settings_dir=cache, port=port)  # fmt: skip
        env["PASSWORD_HASHERS"] = "django.contrib.auth.hashers.MD5PasswordHasher"  # API tokens
        subprocess.run(
            [sys.executable, __file__, "--make-fixture", "--citizens", str(args.citizens),
             "--per-citizen", str(args.per_citizen), "--offices", str(args.offices)],
            env=os.environ | env, cwd=ROOT, check=True,
        )  # fmt: skip
        key_file.write_text(key)
        print(f"fixture made in {time.perf_counter() - started:.0f} s (cached in {cache})")
    database_create(db_url, template=template_url.rsplit("/", 1)[1])
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    shutil.copytree(cache / "var", workdir / "var")
    (workdir / "bench_documents_settings.py").write_text(BENCH_SETTINGS)
    env = _environment(db_url=db_url, redis_url=redis_url, var=workdir / "var",
                       settings_dir=workdir, port=port)  # fmt: skip
    os.environ.update(env)
    sys.path[:0] = [str(workdir), str(ROOT)]
    import django

    django.setup()
    data = pickle.loads((cache / "fixture.pickle").read_bytes())  # our own cache file
    return {"env": env, **data}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="open-loop rate (req/s); default 70 %% of the saturation figure",
    )
    parser.add_argument("--port", type=int, default=18714)
    parser.add_argument("--citizens", type=int, default=1200)
    parser.add_argument("--per-citizen", type=int, default=4)
    parser.add_argument("--offices", type=int, default=4)
    parser.add_argument("--make-fixture", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_fixture:
        make_fixture(Path(os.environ["SEKAP_VAR_DIR"]).parent, citizens=args.citizens,
                     per_citizen=args.per_citizen, offices=args.offices)  # fmt: skip
        return

    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-submit-"))
    port = args.port
    data = prepare(workdir, port, args)
    env = os.environ | data["env"]
    server = gunicorn(port, env, workers=args.workers)
    worker = None
    try:
        requests, run_id = data["requests"], uuid.uuid4().hex[:8]

        def submit(n: int) -> bytes:
            token, service, signed = requests[n % len(requests)]
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

        sent = [0]

        def submit_next(_n: int) -> bytes:  # each phase goes on with the next documents
            sent[0] += 1
            return submit(sent[0])

        db_url = env["DATABASE_URL"]

        def measured(make_request, **kwargs) -> dict:
            cpu, db_cpu = tree_cpu_seconds(server.pid), backends_cpu_seconds(db_url)
            result = load(port, make_request, **kwargs)
            done = max(result["ok"], 1)
            result["cpu_ms"] = (tree_cpu_seconds(server.pid) - cpu) / done * 1000
            result["db_ms"] = backends_cpu_used(db_cpu, backends_cpu_seconds(db_url)) / done * 1000
            result["load"] = load_average()
            return result

        def combined(parts: list[dict]) -> dict:
            """Rounds as one: rate over their time; the worse p50/p95 and the later load."""
            ok = sum(part["ok"] for part in parts)
            elapsed = sum(part["ok"] / part["per_second"] for part in parts if part["ok"])
            cpu = sum(part["cpu_ms"] * max(part["ok"], 1) for part in parts)
            db_cpu = sum(part["db_ms"] * max(part["ok"], 1) for part in parts)
            return {
                "ok": ok,
                "errors": sum(part["errors"] for part in parts),
                "per_second": ok / elapsed if elapsed else 0.0,
                "p50_ms": max(part["p50_ms"] for part in parts),
                "p95_ms": max(part["p95_ms"] for part in parts),
                "cpu_ms": cpu / max(ok, 1),
                "db_ms": db_cpu / max(ok, 1),
                "load": parts[-1]["load"],
                "rounds": [round(part["per_second"]) for part in parts],
            }

        # warm every worker (seal issued for each office, XSD, first connections)
        load(port, submit_next, clients=args.workers * 2, seconds=3, limit=args.workers * 10)
        # saturation of the peer and of ours in the order peer, ours, ours, peer (half the time
        # each), so a shared machine's load drifting during the run weighs on both alike
        half = {"clients": args.clients, "seconds": args.seconds / 2, "limit": args.max_requests}
        peer_a = measured(office, **half)
        ours = combined([measured(submit_next, **half), measured(submit_next, **half)])
        peer = combined([peer_a, measured(office, **half)])
        rate = args.rate or round(ours["per_second"] * 0.7)
        paced = measured(submit_next, clients=args.clients, seconds=args.seconds,
                         limit=int(rate * args.seconds), rate=rate)  # fmt: skip
        signers = len({token for token, _service, _signed in requests[: sent[0]]})
        # the accept phase's figures now (the pipeline may take minutes)
        print(
            f"gunicorn {args.workers} sync workers, {args.clients} clients, {os.cpu_count()} "
            f"cores; {sent[0]} submissions from {signers} different citizens' certificates"
        )
        print(
            f"peer  GET /api/v1/offices/<terc>/ (DRF, one row, closed loop): "
            f"{peer['per_second']:.0f} req/s, p50 {peer['p50_ms']:.1f} ms, "
            f"p95 {peer['p95_ms']:.1f} ms, errors {peer['errors']}, "
            f"server CPU {peer['cpu_ms']:.2f} + database {peer['db_ms']:.2f} ms/request "
            f"(rounds 1 and 4: {peer['rounds']} "
            f"req/s); {peer['load']}"
        )
        print(
            f"ours  POST /api/v1/submissions/ closed loop (saturation): {ours['per_second']:.0f} "
            f"accepted/s = {ours['per_second'] / peer['per_second']:.2f} x peer, "
            f"p50 {ours['p50_ms']:.1f} ms, p95 {ours['p95_ms']:.1f} ms, errors {ours['errors']}, "
            f"server CPU {ours['cpu_ms']:.2f} + database {ours['db_ms']:.2f} ms/request "
            f"(rounds 2 and 3: {ours['rounds']}/s); "
            f"{ours['load']}  (goal: >= 0.3 x peer)"
        )
        print(
            f"ours  POST /api/v1/submissions/ open loop at {rate:.0f}/s offered: "
            f"{paced['per_second']:.0f} accepted/s, p50 {paced['p50_ms']:.1f} ms, "
            f"p95 {paced['p95_ms']:.1f} ms, errors {paced['errors']}, "
            f"server CPU {paced['cpu_ms']:.2f} + database {paced['db_ms']:.2f} ms/request; "
            f"{paced['load']}  (goal: p95 <= 100 ms)"
        )
        sys.stdout.flush()

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
        cpu_first = cpu_last = 0.0
        limit = time.monotonic() + 900
        while time.monotonic() < limit:
            done = Submission.objects.filter(stage=Stage.COMPLETED).count()
            now = time.perf_counter()
            if done and first is None:
                first, first_done, cpu_first = now, done, tree_cpu_seconds(worker.pid)
            if done >= total:
                last, cpu_last = now, tree_cpu_seconds(worker.pid)
                break
            time.sleep(0.2)
        pipeline_load = load_average()
        completed = done - first_done
        pipeline = completed / (last - first) if first and last and last > first else 0
        pipeline_cpu = (cpu_last - cpu_first) / max(completed, 1) * 1000
        attention = Submission.objects.filter(needs_attention=True).count()
        passed = Submission.objects.filter(signature_indication="TOTAL_PASSED").count()
    finally:
        stop(worker, server)
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"pipeline, one worker (prefork 2): {pipeline:.0f} completions/s "
        f"= {pipeline / peer['per_second']:.2f} x peer over {done} of {total} submissions, "
        f"worker CPU {pipeline_cpu:.2f} ms/completion; signature TOTAL_PASSED {passed}, "
        f"marked for a clerk {attention}; {pipeline_load}  (goal: >= 100/s and >= 0.2 x peer)"
    )


if __name__ == "__main__":
    main()
