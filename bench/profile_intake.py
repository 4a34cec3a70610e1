"""cProfile of the intake pipeline in batches (``intake_batch``), in process, on PostgreSQL,
with the realistic mix of ``bench_submit.py`` (its cached fixture of 1,200 citizens with their
own certificates; BENCH_DATABASE_URL, BENCH_REDIS_URL; ``--port`` as the bench's, since the
certificates name its CRL address).

One command:  .venv/bin/python bench/profile_intake.py [--port 8613] [--batches 4]

Submits ``(2 * batches + 1) * batch`` documents through the API (Django's test client), then
completes them ``--batch`` at a time: one batch to warm (the CA's path and CRL), ``--batches``
timed, ``--batches`` profiled. Writes ``bench/profiles/intake_batch.txt``: CPU and wall time per
completion, queries per batch, and the functions by cumulative and by own CPU time (this
process only: the database's own work is not in it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_submit import prepare
from common import gunicorn, stop
from profile_submit import PROFILES, _profiled, _timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8613)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--batches", type=int, default=4)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sekap-profile-intake-"))
    data = prepare(workdir, args.port)
    server = gunicorn(args.port, os.environ | data["env"], workers=1)
    try:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from documents.services.intake import intake_batch

        requests = data["requests"]
        client = Client(HTTP_HOST="127.0.0.1")
        for n in range((2 * args.batches + 1) * args.batch):
            token, service, signed = requests[n % len(requests)]
            response = client.post(
                f"/api/v1/submissions/?service={service}",
                signed,
                content_type="application/xml",
                HTTP_AUTHORIZATION=f"Token {token}",
                HTTP_IDEMPOTENCY_KEY=f"p-{n}",
            )
            assert response.status_code == 201, response.content[:500]

        def batch(_n: int) -> None:
            result = intake_batch(limit=args.batch)
            assert len(result.completed) == args.batch, result.failed

        batch(0)  # warm
        with CaptureQueriesContext(connection) as queries:
            batch(0)
        per_batch = f"{len(queries)} queries for a batch of {args.batch}\n"
        runs = list(range(args.batches - 1))
        plain = per_batch + _timed(f"batches of {args.batch}", runs, batch)
        _profiled(f"batches of {args.batch}", list(range(args.batches)), batch,
                  PROFILES / "intake_batch.txt", plain)  # fmt: skip
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
