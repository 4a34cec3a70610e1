"""cProfile of the submit request (``POST /api/v1/submissions/``) and of the intake that
follows it, in process, on PostgreSQL, with the realistic mix of ``bench_submit.py``.

One command:  .venv/bin/python bench/profile_submit.py [--requests 300]

Prepares the same scratch database as ``bench_submit.py`` (its cached fixture of 1,200
citizens with their own certificates; BENCH_DATABASE_URL, BENCH_REDIS_URL) and starts gunicorn
on its port only to serve the CA's CRL to the validator. Then, in this process:

* ``--requests`` submissions, each from the next citizen, through Django's test client (the
  whole DRF stack, no socket): timed without the profiler, then profiled;
* the intake (``intake_process``) of each of those submissions, the same way.

Writes ``bench/profiles/submit.txt`` and ``bench/profiles/intake.txt``: the CPU and wall time
per item, and the functions by cumulative and by own CPU time (this process only: the
database's own work is not in it; on a shared machine wall-clock profiles mostly show waiting).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_submit import prepare
from common import ROOT, gunicorn, load_average, stop

PROFILES = ROOT / "bench" / "profiles"


def _timed(label: str, items: list, step) -> str:
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        step(item)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return (
        f"{len(items)} {label}: {cpu / len(items) * 1000:.2f} ms CPU, "
        f"{wall / len(items) * 1000:.2f} ms wall each; {load_average()}\n"
    )


def _profiled(label: str, items: list, step, path: Path, plain: str) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU: waiting and preemption are not ours
    profiler.enable()
    line = _timed(label + ", profiled", items, step)
    profiler.disable()
    out = io.StringIO()
    out.write(plain + line + "\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
    path.write_text(out.getvalue())
    if os.environ.get("PROFILE_RAW_DIR"):  # the raw stats, for pstats/snakeviz (not kept)
        profiler.dump_stats(Path(os.environ["PROFILE_RAW_DIR"]) / (path.stem + ".prof"))
    print(plain + line, end="")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=18714)
    parser.add_argument("--submit-only", action="store_true", help="skip the intakes")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sekap-profile-submit-"))
    data = prepare(workdir, args.port)
    server = gunicorn(args.port, os.environ | data["env"], workers=1)
    try:
        from django.test import Client

        from documents.models import Submission
        from documents.services.intake import intake_process

        requests = data["requests"]
        client = Client(HTTP_HOST="127.0.0.1")  # one handler, as in a gunicorn worker

        def submit(n: int) -> None:
            token, service, signed = requests[n % len(requests)]
            response = client.post(
                f"/api/v1/submissions/?service={service}",
                signed,
                content_type="application/xml",
                HTTP_AUTHORIZATION=f"Token {token}",
                HTTP_IDEMPOTENCY_KEY=f"p-{n}",
            )
            assert response.status_code == 201, response.content[:500]

        count = args.requests
        for n in range(20):  # warm: seals, XSD, connections
            submit(n)
        plain = _timed("submit requests", list(range(20, 20 + count)), submit)
        _profiled("submit requests", list(range(20 + count, 20 + 2 * count)), submit,
                  PROFILES / "submit.txt", plain)  # fmt: skip

        if args.submit_only:
            return
        pending = list(Submission.objects.order_by("pk").values_list("pk", flat=True))

        def intake(pk: int) -> None:
            intake_process(submission_id=pk)

        for pk in pending[:20]:  # warm: the CA's path and CRL, the policy
            intake(pk)
        plain = _timed("intakes", pending[20 : 20 + count], intake)
        _profiled("intakes", pending[20 + count :], intake, PROFILES / "intake.txt", plain)
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
