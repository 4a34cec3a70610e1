"""How long people wait for the pages they use: p50/p95 per page, beside a static file of the
same server, walked with a browser-like client.

One command:  .venv/bin/python bench/bench_pages.py [--rounds 30] [--workers 4]

* the data of ``make run`` (``seed_offices``, ``seed_platform``, ``seed_demo``: the 54 offices,
  the catalogue, the demo staff with their TOTP keys and the demo citizen with his filed
  applications), made once into a template database and cached under ``var/bench_pages/``;
  each run works on a scratch copy (BENCH_DATABASE_URL, default ``sekap_bench_pages``) and
  Redis db 12 (BENCH_REDIS_URL), never the development database;
* gunicorn (``--workers``, sync) on PostgreSQL serving the real project, and one Celery worker
  (prefork, 2 processes) for the intake, as in production (PDFs go to a queue of their own);
* one ``requests`` session per person, as a browser: cookies, the CSRF token from the cookie
  sent back in forms, redirects followed; every round logs in again (the password hash is
  timed as its own line, "password hash aside") and walks:
  - the citizen: home, catalogue, a service, the first step of a new application (its data is
    filled in by the portal's own services beforehand, untimed), signing it with the SEKAP
    personal signature, sending it (the sealed UPP), the received page, the inbox and the UPO
    message, the list of applications;
  - the clerk (password and TOTP): the back office, the case queue, a case page;
  - the office's admin (password and TOTP): the Django admin and its list of services;
* the peer in the same run: a static file of the same server (whitenoise).
Beside the figures: the load average (the machine may be shared). Goal (issue 14): p95 <= 300 ms
for every page on PostgreSQL, the password hash aside.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import statistics
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
    database_create,
    database_exists,
    gunicorn,
    load_average,
    stop,
)

FIXTURE_VERSION = 1
CITIZEN = "jan.kowalski@sekap.example"
CLERK = "urzednik.gliwice@sekap.example"
ADMIN = "admin.gliwice@sekap.example"
OFFICE = "2466011"  # Gliwice: the demo clerk's office
FORM = "wniosek-o-zaswiadczenie"
CPU = "cpu"  # the key of each run's server CPU ms per page (``X-Bench-CPU-ms``)
BENCH_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403

DOCUMENTS_PDF_QUEUE = "bench-pdf"  # PDFs are rendered by another worker pool
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEKAP_RATE_LIMITS = {"login": None}  # one person logs in every round
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
        "DJANGO_SETTINGS_MODULE": "bench_pages_settings",
        "BENCH_CPU_HEADER": "1",
        "PYTHONPATH": f"{settings_dir}:{ROOT}",
    }


def _fixture_key(port: int) -> str:
    migrations = sorted(
        str(path.relative_to(ROOT)) for path in ROOT.glob("**/migrations/0*.py")
        if ".venv" not in path.parts
    )  # fmt: skip
    seeds = sorted(
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in ROOT.glob("*/management/commands/seed_*.py")
    )
    text = repr((FIXTURE_VERSION, port, migrations, seeds, BENCH_SETTINGS))
    return hashlib.sha256(text.encode()).hexdigest()


def make_fixture() -> None:
    """Run in a subprocess whose environment names the template database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    for command in ("seed_offices", "seed_platform", "seed_demo"):
        call_command(command, stdout=quiet)
    connections.close_all()


def prepare(workdir: Path, port: int) -> dict:
    db_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sekap_bench_pages"
    )
    template_url = db_url + "_fixture"
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    cache = ROOT / "var" / "bench_pages"
    key = _fixture_key(port)
    key_file = cache / "key.txt"
    if not (key_file.exists() and key_file.read_text() == key and database_exists(template_url)):
        started = time.perf_counter()
        shutil.rmtree(cache, ignore_errors=True)
        (cache / "var").mkdir(parents=True)
        (cache / "bench_pages_settings.py").write_text(BENCH_SETTINGS)
        database_create(template_url)
        env = _environment(db_url=template_url, redis_url="", var=cache / "var",
                           settings_dir=cache, port=port)  # fmt: skip
        subprocess.run([sys.executable, __file__, "--make-fixture"], env=os.environ | env,
                       cwd=ROOT, check=True)  # fmt: skip
        key_file.write_text(key)
        print(f"fixture made in {time.perf_counter() - started:.0f} s (cached in {cache})")
    database_create(db_url, template=template_url.rsplit("/", 1)[1])
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    shutil.copytree(cache / "var", workdir / "var")
    (workdir / "bench_pages_settings.py").write_text(BENCH_SETTINGS)
    env = _environment(db_url=db_url, redis_url=redis_url, var=workdir / "var",
                       settings_dir=workdir, port=port)  # fmt: skip
    os.environ.update(env)
    sys.path[:0] = [str(workdir), str(ROOT)]
    import django

    django.setup()
    logins = json.loads((workdir / "var" / "demo_logins.json").read_text())
    return {"env": env, "logins": logins}


def new_draft() -> tuple[int, str]:
    """A new application of the demo citizen with its data filled in and its document built
    (what the form steps do; untimed), ready for the timed step page, signing and sending."""
    from forms_platform.definition import iter_fields
    from forms_platform.seeding import seed_files
    from offices.models import Service
    from portal.services import drafts
    from sekap.accounts.models import User

    user = User.objects.get(email=CITIZEN)
    service = Service.objects.get(office__terc=OFFICE, form_template__slug=FORM, is_active=True)
    sample = dict(next(item["sample_data"] for item in seed_files() if item["slug"] == FORM))
    draft = drafts.draft_start(user=user, service=service)
    # the sample's attachments in the shape an upload on the step page stores
    for spec in iter_fields(draft.version.definition):
        if spec["type"] == "attachment" and sample.get(spec["name"]):
            sample[spec["name"]] = [
                {"content_type": "application/pdf",
                 "size": len(base64.b64decode(item["content_base64"])), **item}
                for item in sample[spec["name"]]
            ]  # fmt: skip
    for step in draft.steps:
        names = drafts.step_field_names(draft, step["key"])
        drafts.draft_save_step(
            draft=draft,
            user=user,
            step_key=step["key"],
            step_data={key: value for key, value in sample.items() if key in names},
        )
    drafts.draft_prepare(draft=draft, user=user)
    return draft.pk, draft.steps[0]["key"]


class Browser:
    """A requests session that times each page and checks its status."""

    def __init__(self, base: str, times: dict[str, list[float]]) -> None:
        import requests

        self.session = requests.Session()
        self.base, self.times = base, times
        self.cpu = times.setdefault(CPU, {})

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def get(self, label: str | None, path: str, *, expect: int = 200):
        return self._timed(label, "GET", path, expect=expect)

    def post(self, label: str | None, path: str, data: dict, *, expect: int = 200):
        return self._timed(label, "POST", path, data={"csrfmiddlewaretoken": self.csrf(), **data},
                           expect=expect)  # fmt: skip

    def _timed(self, label, method, path, *, expect: int, **kwargs):
        start = time.perf_counter()
        response = self.session.request(
            method, self.base + path, headers={"Referer": self.base + path}, **kwargs
        )
        elapsed = time.perf_counter() - start
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        if label:
            self.times.setdefault(label, []).append(elapsed)
            # the page's CPU: of the form's answer and of the redirects followed after it
            spent = [r.headers.get("X-Bench-CPU-ms") for r in (*response.history, response)]
            if None not in spent:
                self.cpu.setdefault(label, []).append(sum(float(ms) for ms in spent))
        return response


def citizen_round(base: str, times: dict, password: str, service: int) -> None:
    browser = Browser(base, times)
    browser.get(None, "/konto/logowanie/")
    browser.post("citizen: log in (password hash)", "/konto/logowanie/",
                 {"username": CITIZEN, "password": password})  # fmt: skip
    browser.get("citizen: home", "/")
    browser.get("citizen: catalogue", "/uslugi/")
    browser.get("citizen: service", f"/uslugi/{service}/")
    draft, first = new_draft()
    browser.get("citizen: application form (first step)", f"/wnioski/robocze/{draft}/krok/{first}/")
    browser.post("citizen: sign (SEKAP personal signature)",
                 f"/wnioski/robocze/{draft}/podpis/", {"method": "trusted"})  # fmt: skip
    sent = browser.post("citizen: send (sealed UPP)", f"/wnioski/robocze/{draft}/wyslij/",
                        {"idempotency_key": uuid.uuid4().hex})  # fmt: skip
    browser.get("citizen: application received", sent.url.removeprefix(base))
    inbox = browser.get("citizen: inbox", "/skrzynka/")
    message = re.search(r'href="/skrzynka/(\d+)/"', inbox.text)
    if message:
        browser.get("citizen: inbox message (UPO)", f"/skrzynka/{message.group(1)}/")
    browser.get("citizen: my applications", "/wnioski/")


def _staff_login(browser: Browser, who: str, email: str, password: str, totp_key: str) -> None:
    from django_otp.oath import totp

    browser.get(None, "/konto/logowanie/")
    browser.post(f"{who}: log in (password hash)", "/konto/logowanie/",
                 {"username": email, "password": password})  # fmt: skip
    key = base64.b32decode(totp_key + "=" * (-len(totp_key) % 8))
    browser.post(f"{who}: second factor (TOTP)", "/konto/2fa/",
                 {"token": f"{totp(key):06d}", "next": "/backoffice/"})  # fmt: skip


def clerk_round(base: str, times: dict, password: str, totp_key: str, case: int) -> None:
    browser = Browser(base, times)
    _staff_login(browser, "clerk", CLERK, password, totp_key)
    browser.get("clerk: back office", "/backoffice/")
    browser.get("clerk: case queue", "/backoffice/sprawy/")
    browser.get("clerk: case page", f"/backoffice/sprawy/{case}/")


def admin_round(base: str, times: dict, password: str, totp_key: str) -> None:
    browser = Browser(base, times)
    _staff_login(browser, "office admin", ADMIN, password, totp_key)
    browser.get("office admin: admin home", "/admin/")
    browser.get("office admin: admin, list of services", "/admin/offices/service/")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=18715)
    parser.add_argument("--make-fixture", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_fixture:
        make_fixture()
        return
    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-pages-"))
    data = prepare(workdir, args.port)
    env = os.environ | data["env"]
    base = f"http://127.0.0.1:{args.port}"
    server = gunicorn(args.port, env, workers=args.workers)
    worker = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "sekap", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=ERROR", "--without-gossip", "--without-mingle",
         "--hostname", f"bench-pages-{uuid.uuid4().hex[:8]}@localhost"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    times: dict[str, list[float]] = {}
    try:
        from django.contrib.staticfiles import finders

        from documents.models import Case
        from offices.models import Service

        service = Service.objects.get(office__terc=OFFICE, form_template__slug=FORM).pk
        case = Case.objects.filter(office__terc=OFFICE, service_id=service).order_by("pk").first()
        static = next(
            path for path in ("css/sekap.css", "css/site.css", "admin/css/base.css")
            if finders.find(path)
        )  # fmt: skip
        logins = data["logins"]
        # untimed rounds first, one a worker (each worker compiles its templates and opens its
        # connections on its first request of a page; one round warmed one worker a page, and
        # the other workers' first visits, 3 of 20, were the p95): the first is "cold"
        warm: dict = {}
        for _ in range(args.workers):
            citizen_round(base, warm, logins[CITIZEN]["password"], service)
            clerk_round(base, warm, logins[CLERK]["password"], logins[CLERK]["totp_key"], case.pk)
            admin_round(base, warm, logins[ADMIN]["password"], logins[ADMIN]["totp_key"])
        peer = Browser(base, times)
        for _ in range(args.rounds):
            for _ in range(5):
                peer.get("peer: static file (whitenoise)", f"/static/{static}")
            citizen_round(base, times, logins[CITIZEN]["password"], service)
            clerk_round(base, times, logins[CLERK]["password"], logins[CLERK]["totp_key"],
                        case.pk)  # fmt: skip
            admin_round(base, times, logins[ADMIN]["password"], logins[ADMIN]["totp_key"])
    finally:
        stop(worker, server)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"gunicorn {args.workers} sync workers on PostgreSQL, {args.rounds} rounds, one person "
          f"at a time; {os.cpu_count()} cores, {load_average()}")  # fmt: skip
    print(f"  cold: the first request after the server started ({args.workers} untimed rounds "
          "before the timed ones, one a worker);")  # fmt: skip
    print("  cpu: the CPU ms of the gunicorn worker per request (median; independent of load)")
    print(f"  {'page':<48} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8}")
    cpu = times.pop(CPU)
    for label, values in times.items():
        p50, p95 = _percentiles(values)
        cold = warm.get(label, [float("nan")])[0] * 1000
        spent = statistics.median(cpu[label]) if cpu.get(label) else float("nan")
        mark = "" if "password" in label or "peer" in label or p95 <= 300 else "  > 300 ms"
        print(f"  {label:<48} {cold:8.1f} {p50:8.1f} {p95:8.1f} {spent:8.1f}{mark}")
    print("  goal: p95 <= 300 ms for every page, the password hash aside")


if __name__ == "__main__":
    main()
