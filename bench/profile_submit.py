"""cProfile of the submit request (``POST /api/v1/submissions/``), in process, on PostgreSQL.

One command:  .venv/bin/python bench/profile_submit.py [--requests 300]

Prepares the same scratch database as ``bench_submit.py`` (BENCH_DATABASE_URL, dropped and
created; BENCH_REDIS_URL), warms the process with a few submissions, then profiles
``--requests`` submissions through Django's test client (the whole DRF stack, no socket) and
writes ``bench/profiles/submit.txt``: the functions by cumulative and by own time, and the
share of the request spent inside the submit transaction (``_record``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_submit import prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", default=str(ROOT / "bench" / "profiles" / "submit.txt"))
    args = parser.parse_args()
    data = prepare(Path(tempfile.mkdtemp(prefix="sekap-profile-submit-")), 8000)
    from django.conf import settings
    from django.test import Client

    settings.RATELIMIT_ENABLE = False  # one citizen files them all here (the bench uses many)

    client = Client(HTTP_AUTHORIZATION=f"Token {data['token']}", HTTP_HOST="127.0.0.1")
    url = f"/api/v1/submissions/?service={data['service']}"

    def submit(n: int) -> None:
        response = client.post(
            url, data["signed"], content_type="application/xml", HTTP_IDEMPOTENCY_KEY=f"p-{n}"
        )
        assert response.status_code == 201, response.content[:500]

    for n in range(20):
        submit(-n - 1)
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(args.requests):
        submit(args.requests + n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    plain = (
        f"{args.requests} submit requests in process, unprofiled: "
        f"{cpu / args.requests * 1000:.2f} ms CPU, {wall / args.requests * 1000:.2f} ms wall "
        f"per request; load average {os.getloadavg()}\n"
    )
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.enable()
    for n in range(args.requests):
        submit(n)
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    out = io.StringIO()
    out.write(plain)
    out.write(
        f"{args.requests} submit requests in process, profiled: "
        f"{cpu / args.requests * 1000:.2f} ms CPU, "
        f"{wall / args.requests * 1000:.2f} ms wall per request; load average "
        f"{os.getloadavg()}\n\n"
    )
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
    Path(args.out).write_text(out.getvalue())
    print(out.getvalue()[:400])


if __name__ == "__main__":
    main()
