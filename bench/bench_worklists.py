"""Work-list and search latency for clerks (not superusers), 1 and 10 at once.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/sekap_worklists_run \
        python bench/bench_worklists.py --cases 1000000 --template sekap_worklists_bench \
        [--requests 100]

The data: ``--template`` names a PostgreSQL database that keeps the generated cases between
runs. When it exists the run database is made as a copy of it (``CREATE DATABASE ... TEMPLATE``,
a minute for a million cases instead of the generator's several), migrated and topped up to
``--cases``; when it does not, the run database is generated (``manage.py generate_load_data``)
and then kept as the template. Without ``--template`` the database of BENCH_DATABASE_URL is
used as it is (migrated, topped up). Without BENCH_DATABASE_URL a temporary SQLite database.

What is timed: whole pages as the clerks get them (view, visibility rule, filters, the page's
rows, template, the staff menu with its counts), called in-process through the view functions,
per list: my cases, the department's queue, unassigned, due within 7 days, overdue (a
department clerk of any office, at random, as a new request each time), the registry's
incoming and overdue lists (registry clerks), full-text search (one or two words, both kinds of
clerk). Each at 1 and 10 requests at once (threads, each with its own connection). Printed per
line: p50 and p95 of the wall-clock latency, and the CPU time per request of this process (the
page's Python work) and of the PostgreSQL backends that served it (read from /proc), which is
what the page costs independent of the machine's load. "cold" is the first requests of a list
after the copy was made (the database's buffers empty). The peer, from the same run: 50 rows of
an office's open cases in deadline order with their applicant and handler, by office alone with
no visibility rule, no menu and no template (the floor the database gives). Goal: p95 <= 50 ms
for the work lists, <= 150 ms for search.
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
sys.path.insert(0, str(ROOT / "bench"))

from common import database_create, database_exists, load_average  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


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
    return f"p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


def backend_cpu(pid: int) -> float:
    """CPU seconds of a local PostgreSQL backend (0 when it is not on this machine)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def run(load: int, requests: int, job) -> tuple[list[float], float]:
    """``requests`` calls of ``job(rng)`` spread over ``load`` threads; the latencies and the
    CPU seconds their database backends used."""
    from django.db import connection

    samples: list[float] = []
    db_cpu = [0.0]
    lock = threading.Lock()
    barrier = threading.Barrier(load)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        pid = None
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            pid = connection.connection.info.backend_pid
        before = backend_cpu(pid) if pid else 0.0
        mine = []
        barrier.wait()
        for _ in range(max(1, requests // load)):
            started = time.perf_counter()
            job(rng)
            mine.append(time.perf_counter() - started)
        used = backend_cpu(pid) - before if pid else 0.0
        connection.close()
        with lock:
            samples.extend(mine)
            db_cpu[0] += used

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(load)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, db_cpu[0]


def prepare(options) -> None:
    """The run database: a copy of the template, or generated (and kept as the template)."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not options.template or not url.startswith("postgres"):
        return
    base = url.rsplit("/", 1)[0]
    template_url = f"{base}/{options.template}"
    if database_exists(template_url):
        started = time.monotonic()
        database_create(url, template=options.template)
        print(f"copied {options.template} in {time.monotonic() - started:.0f} s")
        options.keep_as_template = False
    else:
        database_create(url)
        options.keep_as_template = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--template", default="", help="PostgreSQL database kept between runs")
    parser.add_argument("--drop", action="store_true", help="remove the generated data after")
    options = parser.parse_args()
    options.keep_as_template = False
    prepare(options)
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
    if options.keep_as_template:
        connection.close()
        url = os.environ["BENCH_DATABASE_URL"]
        database_create(f"{url.rsplit('/', 1)[0]}/{options.template}", template=url.rsplit("/")[-1])
        print(f"kept the generated data as {options.template}")
    total = Case.objects.count()
    people = StaffMembership.objects.filter(user__email__endswith="@load.invalid").select_related(
        "user"
    )
    clerks = [m.user for m in people.filter(role="clerk").order_by("pk")]
    registry = [m.user for m in people.filter(role="registry_clerk").order_by("pk")]
    assert not any(u.is_superuser for u in clerks + registry)
    for user in clerks + registry:
        user.is_verified = lambda: True  # the second factor, as after login
    factory = RequestFactory()
    words = [
        "wycinka",
        "drzew",
        "zaświadczenie",
        "podatek",
        "nowak",
        "kowalski",
        "zabudowy",
        "zaswiadczenie kowalski",
        "warunki zabudowy",
        "budex",
        "lipowa",
        "wojcik ogrodzenie",
    ]

    def page(view, user, *args, **query):
        user.__dict__.pop("_documents_case_scope", None)  # a new request reads it again
        request = factory.get("/", query)
        request.user = user
        request.session = {}
        request._messages = []
        response = view(request, *args)
        assert response.status_code == 200, response.status_code
        return response

    def worklist(key, people):
        return lambda rng: page(pages.worklist, rng.choice(people), key)

    def search(rng):
        page(search_page.search, rng.choice(clerks + registry), q=rng.choice(words))

    def peer(rng):
        cases = Case.objects.filter(office_id=rng.choice(offices)).exclude(
            status__in=("closed", "final", "unexamined")
        )
        rows = cases.select_related("applicant", "assignee").order_by("deadline", "opened_at", "pk")
        list(rows.defer("search_text")[:50])

    offices = [m.office_id for m in people.filter(role="registry_clerk")]
    print(
        f"{connection.vendor}, {total} cases, {len(set(offices))} offices, {len(clerks)} clerks,"
        f" {len(registry)} registry clerks; {load_average()}"
    )
    jobs = [
        ("my cases (clerk)", worklist("mine", clerks)),
        ("department queue (clerk)", worklist("department", clerks)),
        ("unassigned (clerk)", worklist("unassigned", clerks)),
        ("due within 7 days (clerk)", worklist("due_soon", clerks)),
        ("overdue (clerk)", worklist("overdue", clerks)),
        ("incoming (registry)", worklist("incoming", registry)),
        ("overdue (registry)", worklist("overdue", registry)),
        ("search", search),
        ("peer: 50 rows by office alone", peer),
    ]
    for name, job in jobs:
        cold, _ = run(1, 5, job)
        print(f"{name:30} cold: first {len(cold)} p50 {statistics.median(cold) * 1000:6.1f} ms")
        for load in (1, 10):
            cpu = time.process_time()
            samples, db_cpu = run(load, options.requests, job)
            app_each = (time.process_time() - cpu) / len(samples) * 1000
            db_each = db_cpu / len(samples) * 1000
            print(
                f"{name:30} {load:2} at once: {percentiles(samples)} (n={len(samples)})"
                f"  cpu app {app_each:5.1f} ms + db {db_each:5.1f} ms /req"
            )
    print(load_average())
    if options.drop:
        call_command("generate_load_data", drop=True)


if __name__ == "__main__":
    main()
