"""Work-list and search latency for clerks (not superusers), 1 and 10 at once.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/sekap_bench \
        python bench/bench_worklists.py --cases 100000 [--requests 200]

Migrates the database, tops it up to ``--cases`` generated cases across the offices
(``manage.py generate_load_data``), then times whole pages as the clerks get them (view,
visibility rule, filters, page count, rows, template, the staff menu with its counts):
the work lists of department clerks and registry clerks, and full-text search. Prints p50 and
p95 per load, and a peer from the same run: the same page size read by office alone, with no
visibility rule and no menu (the floor the database gives). Goal: p95 <= 50 ms for work lists,
<= 150 ms for search. "cpu" is this process's own CPU time per request (the page's Python
work; the database's share is in the wall-clock figures). Without BENCH_DATABASE_URL a
temporary SQLite database is used.
``--drop`` removes the generated data afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-worklists-"))
    sys.path.insert(0, str(ROOT))
    os.environ["SEKAP_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
    os.environ["AXES_ENABLED"] = "0"
    import django

    django.setup()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  (n={len(ordered)})"


def run(load: int, requests: int, job) -> list[float]:
    """``requests`` calls of ``job(rng)`` spread over ``load`` threads; the latencies."""
    from django.db import connection

    samples: list[float] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        for _ in range(requests // load):
            started = time.perf_counter()
            job(rng)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(load)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--drop", action="store_true")
    options = parser.parse_args()
    setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from documents.backoffice import cases as pages
    from documents.backoffice import search as search_page
    from documents.models import Case
    from offices.models import StaffMembership

    call_command("migrate", verbosity=0)
    have = Case.objects.count()
    if have < options.cases:
        call_command("generate_load_data", cases=options.cases - have)
    total = Case.objects.count()
    clerks = list(
        StaffMembership.objects.filter(user__email__endswith="@load.invalid", role="clerk")
        .select_related("user")
        .order_by("pk")
    )
    registry = list(
        StaffMembership.objects.filter(user__email__endswith="@load.invalid", role="registry_clerk")
        .select_related("user")
        .order_by("pk")
    )
    for membership in clerks + registry:
        membership.user.is_verified = lambda: True  # the second factor, as after login
    factory = RequestFactory()
    words = ["wycinka", "drzew", "zaświadczenie", "podatek", "nowak", "kowalski", "zabudowy"]

    def page(view, user, path, *args, **query):
        request = factory.get(path, query)
        request.user = user
        request.session = {}
        request._messages = []
        response = view(request, *args)
        assert response.status_code == 200, response.status_code
        return response

    def worklist_clerk(rng):
        key = rng.choice(["mine", "department", "due_soon", "overdue", "unassigned"])
        page(pages.worklist, rng.choice(clerks).user, "/", key)

    def worklist_registry(rng):
        page(pages.worklist, rng.choice(registry).user, "/", rng.choice(["incoming", "overdue"]))

    def search(rng):
        user = rng.choice(clerks + registry).user
        page(search_page.search, user, "/", q=rng.choice(words))

    def peer(rng):
        office = rng.choice(registry).office_id
        cases = Case.objects.filter(office_id=office).exclude(status="closed")
        cases.count()
        list(cases.select_related("applicant", "assignee").order_by("deadline", "pk")[:50])

    print(f"{connection.vendor}, {total} cases, {len(clerks)} clerks, {len(registry)} registries")
    for name, job in (
        ("work list, department clerk", worklist_clerk),
        ("work list, registry clerk", worklist_registry),
        ("search", search),
        ("peer: 50 rows by office alone", peer),
    ):
        run(1, 10, job)  # warm up
        for load in (1, 10):
            cpu = time.process_time()
            samples = run(load, options.requests, job)
            cpu_each = (time.process_time() - cpu) / len(samples) * 1000
            print(f"{name:32} {load:2} at once: {percentiles(samples)}  cpu {cpu_each:5.1f} ms/req")
    if options.drop:
        call_command("generate_load_data", drop=True)


if __name__ == "__main__":
    main()
