"""cProfile of the slowest pages of ``bench_pages.py`` (the catalogue, the signing page and the
platform's in-process TSA alone), in process, on PostgreSQL, with the data of ``make run``.

One command:  .venv/bin/python bench/profile_pages.py [--requests 40]

Prepares the same scratch database as ``bench_pages.py`` (its cached fixture; BENCH_DATABASE_URL,
BENCH_REDIS_URL) and starts gunicorn on its port only to answer the CA's OCSP/CRL. Then, in this
process, through Django's test client as the demo citizen (the whole middleware stack, no
socket): ``--requests`` of each, timed without the profiler, then profiled:

* ``GET /uslugi/`` (the whole catalogue, 25 forms with their offices);
* ``POST /wnioski/robocze/<id>/podpis/`` (the SEKAP personal signature, XAdES B-T stamped by
  the in-process TSA) of a new application each time, filled in untimed beforehand;
* ``certauth.tsa.timestamp`` alone.

Writes ``bench/profiles/pages-<name>.txt``: the CPU and wall time per item, then the functions
by cumulative and by own CPU time (this process only: the database's own work is not in it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import CITIZEN, OFFICE, new_draft, prepare
from common import ROOT, gunicorn, stop
from profile_submit import _profiled, _timed

PROFILES = ROOT / "bench" / "profiles"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--port", type=int, default=18716)
    parser.add_argument("--suffix", default="", help="appended to the profiles' names")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sekap-profile-pages-"))
    data = prepare(workdir, args.port)
    server = gunicorn(args.port, os.environ | data["env"], workers=1)
    try:
        from django.test import Client

        from certauth import tsa
        from sekap.accounts.models import User

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=CITIZEN))
        count = args.requests

        def catalogue(_n: int) -> None:
            response = client.get("/uslugi/")
            assert response.status_code == 200 and OFFICE, response.status_code

        def sign(draft: int) -> None:
            response = client.post(f"/wnioski/robocze/{draft}/podpis/", {"method": "trusted"})
            assert response.status_code == 302, response.content[:300]
            assert response.url.endswith("/wyslij/"), response.url  # signed, not refused

        def stamp(n: int) -> None:
            tsa.timestamp(f"profile {n}".encode())

        def run(name: str, step, items_of) -> None:
            for item in items_of(5):  # warm: templates, keys, connections
                step(item)
            plain = _timed(name, items_of(count), step)
            path = PROFILES / f"pages-{name.replace(' ', '-')}{args.suffix}.txt"
            _profiled(name, items_of(count), step, path, plain)

        run("catalogue", catalogue, lambda n: list(range(n)))
        run("sign", sign, lambda n: [new_draft()[0] for _ in range(n)])
        run("tsa stamp", stamp, lambda n: list(range(n)))
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
