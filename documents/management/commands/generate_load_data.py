"""Load data for the work-list and search benchmark: cases spread over every office.

    manage.py generate_load_data --cases 1000000 [--clerks-per-department 4] [--seed 1]

Needs the offices and their services (runs seed_offices, seed_forms and seed_services when no
service exists). Adds per office: clerks (with a position) in each department that handles a
service, a registry clerk and a head per department; a pool of applicants; a pool of
correspondents per office; then the cases with their parties.

The distribution follows a year of an office's work: larger offices (voivodeship, cities with
county rights, counties) get more cases than municipalities; a case opened in the last days
waits unassigned or in the formal check, one opened within two months is somewhere in the
workflow (handled, waiting for the party, suspended, to approve, to sign, to dispatch, sent,
delivered), an older one is mostly final or closed, a few still open and overdue. Deadlines
follow the service's KPA class (one or two months, 14 days). A quarter of the cases has a
further party (a person or an organisation of the office's correspondents). The search text
is the sign, title, applicant, parties and a few lines of the application's values.

PostgreSQL: rows go in by ``COPY`` in batches of 50,000 with their ids reserved from the
sequence; for large loads the case table's secondary indexes (not the unique constraints)
are dropped first and built once at the end, as index maintenance row by row is most of the
cost. SQLite: ``bulk_create``. Generated people have e-mail addresses ending in
``@load.invalid``; ``--drop`` removes everything generated. Not for production databases: it
writes directly, without the services' audit and history.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from documents.models import Case, CaseCounter, CaseParty, Correspondent
from offices.models import Office, Service, StaffMembership
from sekap.text import search_key

DOMAIN = "load.invalid"
REBUILD_FROM = 50_000
BATCH = 50_000
SQLITE_BATCH = 2_000
CORRESPONDENTS_PER_OFFICE = 300
PARTY_SHARE = 0.25
# Cases per office relative to a municipality (a year's intake).
OFFICE_WEIGHT = {"voivodeship": 6, "city_county": 4, "county": 2, "municipality": 1}
# (status, weight) by the age of the case.
NEW = (("open", 70), ("formal_check", 30))  # opened in the last 3 days
RUNNING = (  # opened within the last 60 days
    ("open", 4),
    ("formal_check", 4),
    ("in_progress", 34),
    ("waiting", 9),
    ("suspended", 3),
    ("opinions", 3),
    ("drafting", 8),
    ("approval", 5),
    ("signature", 4),
    ("dispatch", 3),
    ("sent", 5),
    ("delivered", 6),
    ("final", 7),
    ("closed", 5),
)
OLD = (  # older
    ("closed", 55),
    ("final", 38),
    ("unexamined", 2),
    ("in_progress", 2),
    ("suspended", 1),
    ("waiting", 1),
    ("appealed", 1),
)
CLOSED = {"closed", "final", "unexamined"}
DEADLINE_DAYS = {"14d": 14, "1m": 30, "2m": 60, "7d": 7, "90d": 90}
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
STREETS = [
    "Kościuszki",
    "Mickiewicza",
    "Słowackiego",
    "Piłsudskiego",
    "Żeromskiego",
    "Lipowa",
    "Polna",
    "Leśna",
    "Ogrodowa",
    "Długa",
    "Krótka",
    "Szkolna",
]
TOWNS = ["Kraków", "Łódź", "Gdańsk", "Poznań", "Wrocław", "Lublin", "Białystok", "Rzeszów"]
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
COMPANIES = ["Budex", "Agro-Pol", "Transbud", "Eko-Serwis", "Mazur i Syn", "Drewmet"]
CASE_COLUMNS = (
    "id",
    "office_id",
    "department_id",
    "service_id",
    "jrwa_symbol",
    "year",
    "number",
    "sign",
    "title",
    "applicant_id",
    "status",
    "deadline_rule",
    "started_on",
    "deadline",
    "assignee_id",
    "opened_at",
    "updated_at",
    "closed_at",
    "search_text",
)
PARTY_COLUMNS = ("case_id", "correspondent_id", "role", "served_via_platform", "added_at")


def shares(total: int, weights: dict[int, int]) -> dict[int, int]:
    """``total`` split by ``weights`` (largest remainder: the parts add up to ``total``)."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    parts = {k: int(v) for k, v in exact.items()}
    rest = total - sum(parts.values())
    for k in sorted(exact, key=lambda k: (parts[k] - exact[k], k))[:rest]:
        parts[k] += 1
    return parts


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


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
        correspondents = self._correspondents(sorted(services), rng)
        made = self._cases(options["cases"], rng, services, staff, applicants, correspondents)
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
            batch_size=SQLITE_BATCH,
        )
        ids = dict(User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", "pk"))
        StaffMembership.objects.bulk_create(
            [
                StaffMembership(user_id=ids[e], office_id=o, department_id=d, role=r, position=p)
                for e, o, d, r, p in new
            ],
            batch_size=SQLITE_BATCH,
        )
        clerks: dict = {}
        for email, _office, department, role, _position in wanted:
            if role == "clerk":
                clerks.setdefault(department, []).append(ids[email])
        return clerks

    def _applicants(self, count: int) -> dict[int, str]:
        """{user id: full name} of the generated applicants."""
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
            batch_size=SQLITE_BATCH,
        )
        return {
            pk: f"{first} {last}"
            for pk, first, last in existing.values_list("pk", "first_name", "last_name")
        }

    def _correspondents(self, offices: list[int], rng) -> dict[int, list[tuple[int, str]]]:
        """{office id: [(correspondent id, display name)]}, created once per office."""
        generated = Correspondent.objects.filter(email__endswith=f"@{DOMAIN}")
        done = set(generated.values_list("office_id", flat=True).distinct())
        now = timezone.now()
        rows = []
        for office_id in offices:
            if office_id in done:
                continue
            for n in range(CORRESPONDENTS_PER_OFFICE):
                street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
                town = rng.choice(TOWNS)
                if n % 5 == 0:
                    name = f"{rng.choice(COMPANIES)} sp. z o.o."
                    fields = {"kind": "organisation", "name": name}
                else:
                    fields = {"first_name": rng.choice(FIRST), "last_name": rng.choice(LAST)}
                    name = f"{fields['first_name']} {fields['last_name']}"
                rows.append(
                    Correspondent(
                        office_id=office_id,
                        street=street,
                        city=town,
                        email=f"corr-{office_id}-{n}@{DOMAIN}",
                        search_text=search_key(f"{name} {street} {town}")[:600],
                        created_at=now,
                        **fields,
                    )
                )
        Correspondent.objects.bulk_create(rows, batch_size=SQLITE_BATCH)
        pool: dict[int, list[tuple[int, str]]] = {}
        for pk, office_id, kind, first, last, name in generated.order_by("pk").values_list(
            "pk", "office_id", "kind", "first_name", "last_name", "name"
        ):
            shown = name if kind == "organisation" else f"{first} {last}"
            pool.setdefault(office_id, []).append((pk, shown))
        return pool

    # --- cases --------------------------------------------------------------------------

    def _plan(self, total: int, offices: list[int]) -> list[int]:
        """The office of every case to make, larger offices more often, interleaved."""
        kinds = dict(Office.objects.filter(pk__in=offices).values_list("pk", "kind"))
        counts = shares(total, {o: OFFICE_WEIGHT.get(kinds.get(o, ""), 1) for o in offices})
        plan = [o for o in offices for _ in range(counts[o])]
        random.Random(total).shuffle(plan)
        return plan

    def _case(self, rng, now, office_id, services, clerks, applicants, parties, counters):
        """One case row (in ``CASE_COLUMNS`` order, without the id) and its further party."""
        service = rng.choice(services[office_id])
        age = rng.random() * 365
        opened = now - dt.timedelta(days=age)
        table = NEW if age < 3 else RUNNING if age < 60 else OLD
        status = rng.choices([s for s, _w in table], [w for _s, w in table])[0]
        year = opened.year
        key = (service.department_id, service.jrwa_symbol, year)
        number = counters[key] = counters.get(key, 0) + 1
        team = clerks.get(service.department_id) or [None]
        assignee = None if status == "open" else rng.choice(team)
        applicant, name = rng.choice(applicants)
        title = " ".join(rng.sample(WORDS, 4)).capitalize()
        sign = f"{service.department.symbol}.{service.jrwa_symbol}.{number}.{year}"
        started = opened.date()
        days = DEADLINE_DAYS.get(service.deadline_rule, 30)
        closed_at = None
        if status in CLOSED:
            closed_at = min(now, opened + dt.timedelta(days=rng.randint(5, days + 10)))
        text = [sign, title, name]
        party = None
        if parties.get(office_id) and rng.random() < PARTY_SHARE:
            party = rng.choice(parties[office_id])
            text.append(party[1])
        text.append(f"ul. {rng.choice(STREETS)} {rng.randint(1, 120)} {rng.choice(TOWNS)}")
        text.append(" ".join(rng.choices(WORDS, k=12)))
        return (
            office_id,
            service.department_id,
            service.pk,
            service.jrwa_symbol,
            year,
            number,
            sign,
            title,
            applicant,
            status,
            service.deadline_rule,
            started,
            started + dt.timedelta(days=days),
            assignee,
            opened,
            closed_at or opened,
            closed_at,
            " ".join(text),
        ), party

    def _cases(self, total, rng, services, clerks, applicants, parties) -> int:
        now = timezone.now()
        counters = self._last_numbers()
        applicant_ids = sorted(applicants.items())
        postgres = connection.vendor == "postgresql"
        indexes = self._drop_indexes() if postgres and total >= REBUILD_FROM else []
        plan = self._plan(total, sorted(services))
        made = 0
        try:
            first_id = self._reserve_ids(total)
            while made < total:
                cases, links = [], []
                for i in range(made, min(total, made + (BATCH if postgres else SQLITE_BATCH))):
                    row, party = self._case(
                        rng, now, plan[i], services, clerks, applicant_ids, parties, counters
                    )
                    row = (first_id + i, *row)
                    cases.append(row)
                    if party is not None:
                        links.append((row[0], party[0], "party", False, row[15]))
                with transaction.atomic():
                    self._write(Case, CASE_COLUMNS, cases)
                    self._write(CaseParty, PARTY_COLUMNS, links)
                made += len(cases)
                self.stdout.write(f"  {made} cases", ending="\r")
            with transaction.atomic():
                for (department_id, symbol, year), last in counters.items():
                    CaseCounter.objects.update_or_create(
                        department_id=department_id,
                        jrwa_symbol=symbol,
                        year=year,
                        defaults={"last_number": last},
                    )
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    for definition in indexes:  # also when the run stops half way
                        self.stdout.write(f"  {definition[:90]}")
                        cursor.execute(definition)
                    if indexes and not connection.in_atomic_block:
                        # a large load: set the visibility map as autovacuum would (the
                        # work-list counts are index-only scans) and the statistics
                        cursor.execute("VACUUM ANALYZE documents_case")
                    cursor.execute("ANALYZE")  # fresh statistics for every table touched
        self.stdout.write("")
        return made

    def _reserve_ids(self, count: int) -> int:
        """The first of ``count`` case ids nobody else will be given."""
        if connection.vendor != "postgresql":
            return (Case.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence('documents_case', 'id'), "
                "(SELECT coalesce(max(id), 0) FROM documents_case)"
            )
            sequence, top = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = max(cursor.fetchone()[0], top + 1)
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
        return first

    def _write(self, model, columns, rows) -> None:
        if not rows:
            return
        if connection.vendor != "postgresql":
            model.objects.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in rows],
                batch_size=SQLITE_BATCH,
            )
            return
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
            )

    def _drop_indexes(self) -> list[str]:
        """Drop the case table's plain indexes (not its keys and unique constraints); their
        definitions, to build them again."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.tablename = 'documents_case' AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
            found = cursor.fetchall()
            for name, _definition in found:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        return [definition for _name, definition in found]

    def _last_numbers(self) -> dict[tuple[int, str, int], int]:
        """The last case number per (department, JRWA class, year): the counters' and the
        cases' own (a run stopped half way left cases without counters)."""
        last: dict[tuple[int, str, int], int] = {}
        for department_id, symbol, year, number in CaseCounter.objects.values_list(
            "department_id", "jrwa_symbol", "year", "last_number"
        ):
            last[(department_id, symbol, year)] = number
        for row in Case.objects.values("department_id", "jrwa_symbol", "year").annotate(
            top=Max("number")
        ):
            key = (row["department_id"], row["jrwa_symbol"], row["year"])
            last[key] = max(last.get(key, 0), row["top"])
        return last

    def _drop(self) -> None:
        users = get_user_model().objects.filter(email__endswith=f"@{DOMAIN}")
        with transaction.atomic():
            cases = Case.objects.filter(applicant__in=users)
            deleted = cases.count()
            CaseParty.objects.filter(case__in=cases).delete()
            cases._raw_delete(cases.db)  # only the rows made here: nothing else refers to them
            Correspondent.objects.filter(email__endswith=f"@{DOMAIN}").delete()
            StaffMembership.objects.filter(user__in=users).delete()
            users.delete()
        self.stdout.write(f"Removed {deleted} generated cases and the generated people.")
