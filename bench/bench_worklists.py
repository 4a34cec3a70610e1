"""Work-list and search latency for clerks (not superusers), 1 and 10 at once, over HTTP.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/sekap_worklists_run \
        python bench/bench_worklists.py --cases 1000000 --template sekap_worklists_bench \
        [--requests 1000] [--workers 4]

The data: ``--template`` names a PostgreSQL database that keeps the generated cases between
runs. When it exists the run database is made as a copy of it (``CREATE DATABASE ... TEMPLATE``,
a minute for a million cases instead of the generator's several), migrated and topped up to
``--cases``; when it does not, the run database is generated (``manage.py generate_load_data``)
and then kept as the template. Without ``--template`` the database of BENCH_DATABASE_URL is
used as it is (migrated, topped up). PostgreSQL only.

What is timed: whole pages as a clerk's browser gets them, over HTTP from the real project on
gunicorn (``--workers`` sync workers, default 4: two a core on this 2-core machine, so that one
worker's wait on PostgreSQL, on the same cores, leaves a core to another; more only adds
switching), every middleware, the session, the second factor, the visibility rule, the staff
menu with its counts, the template. Each request comes from a different clerk, at random, of
the generated ones (``--clerks`` of them, each with a session made directly in the session
store with the second factor verified, as after log-in; Redis BENCH_REDIS_URL, default db 1,
for the cache), with a random search word for search. Lines: my cases, the department's
queue, unassigned, due within 7 days, overdue (department clerks), the registry's incoming
and overdue lists (registry clerks), full-text search (one or two words, both kinds of
clerk). Each at 1 and 10 clients at once (closed loop, keep-alive; ``common.load``). Printed
per line: p50 and p95 of the latency, and the CPU time per request of the gunicorn processes
and of the PostgreSQL backends of the run database (from /proc), which is what the page costs
whatever the machine's load. "cold" is the first requests of each line after the server
started and the copy was made (the workers' templates and the database's buffers empty).
``--requests`` per line and load, 1,000 by default: with 100, a p95 is the fifth-worst of
0.4 s of requests at 10 at once, and the first line ("my cases") also carried what every line
shares warming up (each worker's statements for the scope and the menu's counts, compiled
and prepared per shape of clerk on first use): it read 44-53 ms p95 where 1,000 requests read
37 ms in the same hour. The
peer, served the same way by the same server (``bench_worklists_wsgi``): 50 rows of an
office's open cases in deadline order with their applicant and handler, as JSON, by office
alone: no middleware, session, visibility rule, menu or template. Goal: p95 <= 50 ms for the
work lists, <= 150 ms for search.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import (  # noqa: E402
    backends_cpu_seconds,
    backends_cpu_used,
    database_create,
    database_exists,
    free_port,
    gunicorn,
    load,
    load_average,
    stop,
    tree_cpu_seconds,
)

WORDS = (
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
)


COLD = 5  # the first requests of a line after the server started: "cold"


def environment(workdir: Path) -> dict:
    return {
        "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"),
        "SEKAP_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "sekap.settings",
        # as in production (PRODUCTION with Redis): sessions read from Redis
        "SESSION_ENGINE": "sekap.accounts.session_cached_db",
        "AXES_ENABLED": "0",
        "PYTHONPATH": str(ROOT),
    }


def setup(env: dict) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    import django

    django.setup()


def sessions_for(users) -> list[str]:
    """A session key per user, logged in with the second factor verified (what the log-in and
    the TOTP step leave in the session), each with a confirmed TOTP device."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    have = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=u, name="bench", confirmed=True) for u in users if u.pk not in have]
    )
    devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=users, confirmed=True)}
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    keys = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = devices[user.pk].persistent_id
        session.create()
        keys.append(session.session_key)
    return keys


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


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


def profile(lines, options) -> None:
    """cProfile of whole pages in this process (Django's test client: every middleware, no
    socket), the requests of the HTTP lines (``--profile-lines``), timed once unprofiled, again
    unprofiled, then profiled; writes ``bench/profiles/worklists-<line>.txt``
    with the CPU per page, the functions by cumulative and own time, and the SQL of one page."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from profile_submit import _profiled, _timed

    client = Client(HTTP_HOST="127.0.0.1")

    def step(request: bytes) -> None:
        head = request.decode().split("\r\n")
        path = head[0].split()[1]
        cookie = next((h for h in head if h.startswith("Cookie: sessionid=")), "")
        client.cookies["sessionid"] = cookie.removeprefix("Cookie: sessionid=")
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    for name, make in lines:
        if not name.startswith(options.profile_lines):
            continue
        r = random.Random(name)
        requests = [make(r) for _ in range(options.profile)]
        for request in requests[:5]:
            step(request)  # warm: templates, connections
        # the first pass meets clerks not seen yet (their menu grants not cached), the second
        # the same clerks again: the difference is what a clerk's first page costs more
        plain = _timed(name, requests, step)
        plain += _timed(f"{name}, again", requests, step)
        slug = name.split(" (")[0].split(":")[0].replace(" ", "-")
        path = ROOT / "bench" / "profiles" / f"worklists-{slug}{options.suffix}.txt"
        _profiled(name, requests, step, path, plain)
        with CaptureQueriesContext(connection) as queries:
            step(requests[0])
        with path.open("a") as out:
            out.write(f"\nThe SQL of one page ({len(queries.captured_queries)} queries):\n")
            for query in queries.captured_queries:
                out.write(f"{query['time']}s  {query['sql'][:600]}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000, help="per line and load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clerks", type=int, default=600, help="logged-in clerks, at random")
    parser.add_argument("--template", default="", help="PostgreSQL database kept between runs")
    parser.add_argument("--drop", action="store_true", help="remove the generated data after")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        help="instead of the HTTP run: cProfile this many pages of a few lines in process",
    )
    parser.add_argument("--suffix", default="", help="appended to the profiles' names")
    parser.add_argument(
        "--profile-lines",
        default="department,incoming,search",
        help="with --profile: the lines whose names start with one of these (comma-separated)",
    )
    options = parser.parse_args()
    options.profile_lines = tuple(options.profile_lines.split(","))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # the server is stopped too
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database")
    options.keep_as_template = False
    prepare(options)
    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-worklists-"))
    env = environment(workdir)
    setup(env)
    from django.core.management import call_command
    from django.db import connections
    from django.urls import reverse

    from documents.models import Case
    from offices.models import StaffMembership

    call_command("migrate", verbosity=0)
    have = Case.objects.count()
    if have < options.cases:
        call_command("generate_load_data", cases=options.cases - have)
    if options.keep_as_template:
        connections.close_all()
        database_create(f"{url.rsplit('/', 1)[0]}/{options.template}", template=url.rsplit("/")[-1])
        print(f"kept the generated data as {options.template}")
    total = Case.objects.count()
    people = StaffMembership.objects.filter(user__email__endswith="@load.invalid")
    rng = random.Random(1)

    def sample(role: str) -> list:
        users = sorted(
            {m.user for m in people.filter(role=role).select_related("user")}, key=lambda u: u.pk
        )
        return rng.sample(users, min(len(users), options.clerks // 2))

    clerk_users, registry_users = sample("clerk"), sample("registry_clerk")
    assert not any(u.is_superuser for u in clerk_users + registry_users)
    clerks, registry = sessions_for(clerk_users), sessions_for(registry_users)
    offices = sorted(set(people.values_list("office_id", flat=True)))
    print(
        f"PostgreSQL, {total} cases, {len(offices)} offices; {len(clerks)} clerks and"
        f" {len(registry)} registry clerks logged in (random, non-superusers);"
        f" gunicorn {options.workers} sync workers; {os.cpu_count()} cores; {load_average()}"
    )
    connections.close_all()

    def get(path: str, session: str = "") -> bytes:
        cookie = f"Cookie: sessionid={session}\r\n" if session else ""
        return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n").encode()

    def worklist(key: str, sessions: list[str]):
        path = reverse("documents:worklist", args=[key])
        return lambda r: get(path, r.choice(sessions))

    search_path = reverse("documents:search")

    def search(r):
        return get(
            f"{search_path}?{urlencode({'q': r.choice(WORDS)})}", r.choice(clerks + registry)
        )

    def peer(r):
        return get(f"/bench/peer/?office={r.choice(offices)}")

    lines = [
        ("my cases (clerk)", worklist("mine", clerks)),
        ("department queue (clerk)", worklist("department", clerks)),
        ("unassigned (clerk)", worklist("unassigned", clerks)),
        ("due within 7 days (clerk)", worklist("due_soon", clerks)),
        ("overdue (clerk)", worklist("overdue", clerks)),
        ("incoming (registry)", worklist("incoming", registry)),
        ("overdue (registry)", worklist("overdue", registry)),
        ("search", search),
        ("peer: 50 rows by office, JSON", peer),
    ]
    if options.profile:
        profile(lines, options)
        return
    port = free_port()
    server_env = os.environ | env | {"PYTHONPATH": str(ROOT)}
    server = gunicorn(
        port, server_env, workers=options.workers, app="bench_worklists_wsgi:application"
    )
    failed = False
    try:
        print("  cpu: ms per request of the gunicorn processes (app) and PostgreSQL (db)")
        print(f"  {'line':<31} {'cold p50':>9} {'clients':>7} {'p50 ms':>7} {'p95 ms':>7}"
              f" {'cpu app':>7} {'cpu db':>7}")  # fmt: skip
        for name, make in lines:
            r = random.Random(name)

            def request(_n: int, make=make, r=r) -> bytes:
                return make(r)

            cold = load(port, request, clients=1, seconds=120, limit=COLD)
            cold_text = f"{cold['p50_ms']:7.1f}"
            for clients in (1, 10):
                app_before, db_before = tree_cpu_seconds(server.pid), backends_cpu_seconds(url)
                result = load(port, request, clients=clients, seconds=600, limit=options.requests)
                app = (tree_cpu_seconds(server.pid) - app_before) * 1000 / result["requests"]
                db = (
                    backends_cpu_used(db_before, backends_cpu_seconds(url))
                    * 1000
                    / result["requests"]
                )
                errors = (
                    f"  {result['errors']} errors {result['statuses']}" if result["errors"] else ""
                )
                failed |= bool(result["errors"])
                print(f"  {name:<31} {cold_text if clients == 1 else '':>9} {clients:>7}"
                      f" {result['p50_ms']:7.1f} {result['p95_ms']:7.1f} {app:7.1f} {db:7.1f}"
                      f"{errors}")  # fmt: skip
        print(f"  {load_average()}; goal: p95 <= 50 ms for the work lists, <= 150 ms for search")
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    if options.drop:
        call_command("generate_load_data", drop=True)
    if failed:
        sys.exit("some requests failed (see the statuses)")


if __name__ == "__main__":
    main()
