"""cProfile of registering a paper item (``POST /backoffice/rejestr/<terc>/papier/``) and of its
label PDF, in process, on PostgreSQL, with the set-up of ``bench_register_paper.py``.

One command:  .venv/bin/python bench/profile_register_paper.py [--requests 200]

Writes ``bench/profiles/register_paper.txt``: the CPU and wall time per request, then the
functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_register_paper import prepare
from common import ROOT, free_port, load_average

PROFILES = ROOT / "bench" / "profiles"


def _run(label: str, count: int, step) -> str:
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        step(n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    head = (
        f"{label}: {count} requests, {cpu * 1000 / count:.1f} ms CPU and "
        f"{wall * 1000 / count:.1f} ms wall each ({load_average()})\n"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(count, 2 * count):
        step(n)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    return head + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sekap-profile-register-"))
    try:
        data = prepare(workdir, free_port())
        from django.test import Client

        from documents.models import RegisterEntry

        client = Client(HTTP_HOST="127.0.0.1")
        for part in data["cookies"].split("; "):
            name, _, value = part.partition("=")
            client.cookies[name] = value
        base = f"/backoffice/rejestr/{data['terc']}"

        def register(n: int) -> None:
            response = client.post(
                f"{base}/papier/",
                {
                    "correspondent": data["correspondent"],
                    "title": f"Pismo {n}",
                    "channel": "post",
                    "department": data["department"],
                    "attachments_count": "1",
                },
                HTTP_X_CSRFTOKEN=data["csrf"],
            )
            assert response.status_code == 302, response.status_code

        register(-1)  # imports, first queries
        report = _run("register", args.requests, register)
        pks = list(RegisterEntry.objects.values_list("pk", flat=True))

        def label(n: int) -> None:
            response = client.get(f"{base}/pozycje/{pks[n % len(pks)]}/etykieta.pdf")
            assert response.status_code == 200, response.status_code

        label(0)
        report += "\n\n" + _run("label", args.requests, label)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    PROFILES.mkdir(exist_ok=True)
    (PROFILES / "register_paper.txt").write_text(report)
    print(report.split("\n", 1)[0])
    print(report.split("\n\n")[-1].split("\n", 1)[0] if "label:" in report else "")


if __name__ == "__main__":
    main()
