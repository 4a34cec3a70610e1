"""Load data for the work-list and search benchmark: cases spread over every office.

    manage.py generate_load_data --cases 1000000 [--clerks-per-department 4] [--seed 1]

Needs the offices and their services (runs seed_offices, seed_forms and seed_services when no
service exists). Adds per office: clerks (with a position) in each department that handles a
service, a registry clerk and a head per department; a pool of applicants; then the cases, in
batches with ``bulk_create`` (PostgreSQL: about 10,000 rows per statement), with signs,
deadlines, statuses, assignees and search text as real cases have them. Generated people have
e-mail addresses ending in ``@load.invalid``; ``--drop`` removes everything generated.
Not for production databases: it writes directly, without the services' audit and history.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from documents.models import Case, CaseCounter
from offices.models import Service, StaffMembership

DOMAIN = "load.invalid"
# Large loads on PostgreSQL drop the full-text index first and build it once at the end (the
# same definition as migration 0008): maintaining a GIN index row by row is most of the cost.
FTS_INDEX = "documents_case_fts"
FTS_CREATE = (
    f"CREATE INDEX IF NOT EXISTS {FTS_INDEX} ON documents_case "
    "USING gin (to_tsvector('simple'::regconfig, documents_unaccent(search_text)))"
)
REBUILD_FROM = 50_000
BATCH = 10_000
STATUSES = (("open", 15), ("in_progress", 45), ("waiting", 10), ("closed", 30))
WORDS = [
    "wniosek",
    "zaświadczenie",
    "wycinka",
    "drzew",
    "zezwolenie",
    "sprzedaż",
    "alkoholu",
    "meldunek",
    "dowód",
    "osobisty",
    "podatek",
    "nieruchomości",
    "informacja",
    "publiczna",
    "warunki",
    "zabudowy",
    "zajęcie",
    "pasa",
    "drogowego",
    "rejestracja",
    "pojazdu",
    "prawo",
    "jazdy",
    "działalność",
    "gospodarcza",
    "ogrodzenie",
    "śmieci",
    "odpady",
    "opłata",
    "skarga",
    "petycja",
    "lokal",
    "mieszkalny",
    "dodatek",
    "energetyczny",
]
FIRST = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Zofia",
    "Łukasz",
    "Małgorzata",
    "Paweł",
    "Agnieszka",
    "Michał",
]
LAST = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Dąbrowski",
    "Żak",
]


class Command(BaseCommand):
    help = "Generate cases across the offices for the work-list and search benchmark."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=0)
        parser.add_argument("--clerks-per-department", type=int, default=4)
        parser.add_argument("--applicants", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--drop", action="store_true", help="Remove generated data.")

    def handle(self, *args, **options) -> None:
        if options["drop"]:
            self._drop()
            return
        if options["cases"] <= 0:
            raise CommandError("Give --cases N (N > 0) or --drop.")
        started = time.monotonic()
        rng = random.Random(options["seed"])
        services = self._services()
        staff = self._staff(services, options["clerks_per_department"])
        applicants = self._applicants(options["applicants"])
        made = self._cases(options["cases"], rng, services, staff, applicants)
        took = time.monotonic() - started
        self.stdout.write(f"Generated {made} cases in {took:.1f} s ({made / took:,.0f} per s).")

    # --- setup --------------------------------------------------------------------------

    def _services(self) -> dict[int, list[Service]]:
        if not Service.objects.exists():
            for command in ("seed_offices", "seed_forms", "seed_services"):
                call_command(command, verbosity=0)
        by_office: dict[int, list[Service]] = {}
        for service in Service.objects.select_related("department").order_by("pk"):
            by_office.setdefault(service.office_id, []).append(service)
        if not by_office:
            raise CommandError("No office offers a service; seed the catalogue first.")
        return by_office

    def _staff(self, services: dict[int, list[Service]], per_department: int) -> dict:
        """{department_id: [clerk ids]}; creates the people once (idempotent by e-mail)."""
        User = get_user_model()
        wanted: list[tuple[str, int, int | None, str, str]] = []
        for office_id, offered in services.items():
            wanted.append((f"registry-{office_id}@{DOMAIN}", office_id, None, "registry_clerk", ""))
            for department_id in sorted({s.department_id for s in offered}):
                wanted.append(
                    (
                        f"head-{department_id}@{DOMAIN}",
                        office_id,
                        department_id,
                        "head",
                        "Kierownik",
                    )
                )
                for n in range(per_department):
                    wanted.append(
                        (
                            f"clerk-{department_id}-{n}@{DOMAIN}",
                            office_id,
                            department_id,
                            "clerk",
                            "Inspektor",
                        )
                    )
        existing = set(
            User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", flat=True)
        )
        new = [w for w in wanted if w[0] not in existing]
        User.objects.bulk_create(
            [
                User(email=e, first_name="Urzędnik", last_name=e.split("@")[0], kind="staff")
                for e, *_ in new
            ],
            batch_size=BATCH,
        )
        ids = dict(User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", "pk"))
        StaffMembership.objects.bulk_create(
            [
                StaffMembership(user_id=ids[e], office_id=o, department_id=d, role=r, position=p)
                for e, o, d, r, p in new
            ],
            batch_size=BATCH,
        )
        clerks: dict = {}
        for email, _office, department, role, _position in wanted:
            if role == "clerk":
                clerks.setdefault(department, []).append(ids[email])
        return clerks

    def _applicants(self, count: int) -> list[int]:
        User = get_user_model()
        existing = User.objects.filter(email__startswith="applicant-", email__endswith=f"@{DOMAIN}")
        have = existing.count()
        User.objects.bulk_create(
            [
                User(
                    email=f"applicant-{n}@{DOMAIN}",
                    first_name=FIRST[n % len(FIRST)],
                    last_name=LAST[(n // len(FIRST)) % len(LAST)],
                    kind="citizen",
                )
                for n in range(have, count)
            ],
            batch_size=BATCH,
        )
        return list(existing.values_list("pk", flat=True))

    # --- cases --------------------------------------------------------------------------

    def _cases(self, total, rng, services, clerks, applicants) -> int:
        now = timezone.now()
        year = now.year
        offices = sorted(services)
        names = dict(
            get_user_model().objects.filter(pk__in=applicants).values_list("pk", "last_name")
        )
        counters = self._last_numbers(year)
        rebuild = connection.vendor == "postgresql" and total >= REBUILD_FROM
        if rebuild:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {FTS_INDEX}")
        try:
            weights = [w for _s, w in STATUSES]
            made = 0
            while made < total:
                rows = []
                for i in range(made, min(total, made + BATCH)):
                    office_id = offices[i % len(offices)]
                    service = rng.choice(services[office_id])
                    key = (service.department_id, service.jrwa_symbol)
                    number = counters[key] = counters.get(key, 0) + 1
                    status = rng.choices([s for s, _w in STATUSES], weights)[0]
                    opened = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365))
                    team = clerks.get(service.department_id) or [None]
                    assignee = None if status == "open" else rng.choice(team)
                    applicant = rng.choice(applicants)
                    title = " ".join(rng.sample(WORDS, 4)).capitalize()
                    sign = f"{service.department.symbol}.{service.jrwa_symbol}.{number}.{year}"
                    rows.append(
                        Case(
                            office_id=office_id,
                            department_id=service.department_id,
                            service_id=service.pk,
                            jrwa_symbol=service.jrwa_symbol,
                            year=year,
                            number=number,
                            sign=sign,
                            title=title,
                            applicant_id=applicant,
                            status=status,
                            deadline_rule=service.deadline_rule,
                            started_on=opened.date(),
                            deadline=opened.date() + dt.timedelta(days=30),
                            assignee_id=assignee,
                            opened_at=opened,
                            closed_at=opened + dt.timedelta(days=20)
                            if status == "closed"
                            else None,
                            search_text=f"{sign} {title} {names.get(applicant, '')}",
                        )
                    )
                with transaction.atomic():
                    Case.objects.bulk_create(rows, batch_size=BATCH)
                made += len(rows)
                self.stdout.write(f"  {made} cases", ending="\r")
            with transaction.atomic():
                for (department_id, symbol), last in counters.items():
                    CaseCounter.objects.update_or_create(
                        department_id=department_id,
                        jrwa_symbol=symbol,
                        year=year,
                        defaults={"last_number": last},
                    )
        finally:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    if rebuild:  # also when the run stops half way
                        cursor.execute(FTS_CREATE)
                    cursor.execute("ANALYZE")  # fresh statistics for every table touched
        self.stdout.write("")
        return made

    def _last_numbers(self, year: int) -> dict[tuple[int, str], int]:
        """The last case number per (department, JRWA class) this year: the counters' and the
        cases' own (a run stopped half way left cases without counters)."""
        last: dict[tuple[int, str], int] = {}
        for department_id, symbol, number in CaseCounter.objects.filter(year=year).values_list(
            "department_id", "jrwa_symbol", "last_number"
        ):
            last[(department_id, symbol)] = number
        for row in (
            Case.objects.filter(year=year)
            .values("department_id", "jrwa_symbol")
            .annotate(top=Max("number"))
        ):
            key = (row["department_id"], row["jrwa_symbol"])
            last[key] = max(last.get(key, 0), row["top"])
        return last

    def _drop(self) -> None:
        users = get_user_model().objects.filter(email__endswith=f"@{DOMAIN}")
        with transaction.atomic():
            cases = Case.objects.filter(applicant__in=users)
            deleted = cases.count()
            cases.delete()
            StaffMembership.objects.filter(user__in=users).delete()
            users.delete()
        self.stdout.write(f"Removed {deleted} generated cases and the generated people.")
