"""Statement reconciliation throughput: a camt.053 and an MT940 file of N credits (default
100,000) against N open payment orders each, matched per second, with the parser alone as the
floor, in the same run.

    .venv/bin/python bench/bench_reconciliation.py [N] [--profile FILE]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/sekap_bench .venv/bin/python \
        bench/bench_reconciliation.py

``--profile FILE`` runs each import under cProfile and writes the 40 costliest functions (by
cumulative time) of both imports to FILE (``bench/profiles/`` keeps the runs quoted in
docs/decisions/payments.md).

Uses a temporary SQLite database unless BENCH_DATABASE_URL is set (the PostgreSQL database is
created if missing and its tables are flushed: use a scratch database). Nine credits in ten
name their order's virtual account, one in ten only its case sign in the title, so both
matching rules run. Goal (issue 13): the whole import of 100,000 credits in ≤ 20 s on
PostgreSQL.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 27)


def setup() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sekap-bench-reconciliation-"))
    sys.path.insert(0, str(ROOT))
    os.environ["SEKAP_VAR_DIR"] = str(workdir)
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
    os.environ["AXES_ENABLED"] = "0"
    if url.startswith("postgres"):
        _create_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if url.startswith("postgres"):
        call_command("flush", "--no-input", verbosity=0)


def _create_postgres_database(url: str) -> None:
    import psycopg2

    base, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def orders_for(*, account, payer, office, count: int, first_pk: int, sign_prefix: str) -> list:
    from payments.models import PaymentOrder
    from payments.services.accounts import virtual_account

    orders = []
    for index in range(count):
        pk = first_pk + index
        orders.append(
            PaymentOrder(
                pk=pk,
                idempotency_key=f"bench-{pk}",
                office=office,
                account=account,
                fee_type=account.fee_type,
                payer=payer,
                subject_ref=f"bench:{pk}",
                case_sign=f"{sign_prefix}.6730.{pk}.2026",
                title=f"Opłata skarbowa – zaświadczenie, {sign_prefix}.6730.{pk}.2026",
                amount_grosze=1700 + pk % 500,
                due_on=DAY + dt.timedelta(days=7),
                virtual_account=virtual_account(account=account, number=pk),
            )
        )
    PaymentOrder.objects.bulk_create(orders, batch_size=5000)
    return orders


def credits_for(orders: list) -> list:
    from payments.statements.samples import SampleCredit

    credits = []
    for index, order in enumerate(orders):
        by_title = index % 10 == 9
        credits.append(
            SampleCredit(
                amount_grosze=order.amount_grosze,
                title=(
                    f"OPLATA {order.case_sign}" if by_title else "OPŁATA SKARBOWA ZAŚWIADCZENIE"
                ),
                payer_name="JAN KOWALSKI",
                payer_account="96105011130000000123456781",
                credited_account="" if by_title else order.virtual_account[2:],
                reference=f"B{order.pk:012d}",
            )
        )
    return credits


def _backend_cpu() -> float | None:
    """CPU seconds the database server process of this connection has used (PostgreSQL on
    this machine; ``None`` elsewhere): the other half of an import's cost."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profiled(function, profile_out: list[str] | None, label: str):
    if profile_out is None:
        return function()
    profiler = cProfile.Profile()
    result = profiler.runcall(function)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative").print_stats(40)
    profile_out.append(f"=== {label} ===\n{text.getvalue()}")
    return result


def main() -> None:
    args = sys.argv[1:]
    profile_file = None
    if "--profile" in args:
        at = args.index("--profile")
        profile_file = args[at + 1]
        del args[at : at + 2]
    count = int(args[0]) if args else 100_000
    profile_out: list[str] | None = [] if profile_file else None
    setup()
    from django.db import connection

    from offices.models import Office
    from payments.models import FeeAccount, FeeType
    from payments.services.accounts import nrb
    from payments.services.reconciliation import statement_import
    from payments.statements import read_statement_file
    from payments.statements.samples import camt053_bytes, mt940_bytes
    from sekap.accounts.tests.factories import VerifiedCitizenFactory

    office = Office.objects.create(
        terc="2466011",
        kind="city_county",
        unit="Gliwice",
        name="Urząd Miejski w Gliwicach (bench)",
        office_type="Urząd Miejski",
        seat="Gliwice",
        esp_address="/bench/SkrytkaESP",
    )
    payer = VerifiedCitizenFactory(first_name="Jan", last_name="Kowalski")
    accounts = {
        "camt.053": FeeAccount.objects.create(
            office=office,
            fee_type=FeeType.STAMP_DUTY,
            holder="Miasto Gliwice",
            iban=nrb(sort_code="10202401", account_digits="0000123400001234"),
            collection_prefix="42",
        ),
        "mt940": FeeAccount.objects.create(
            office=office,
            fee_type=FeeType.OFFICE_FEE,
            holder="Urząd Miejski w Gliwicach",
            iban=nrb(sort_code="11402004", account_digits="0040000123456789"),
            collection_prefix="43",
        ),
    }
    writers = {"camt.053": camt053_bytes, "mt940": mt940_bytes}
    print(f"{connection.vendor}: {count} credits against {count} open orders per format")
    for number, (name, account) in enumerate(accounts.items(), start=1):
        orders = orders_for(
            account=account,
            payer=payer,
            office=office,
            count=count,
            first_pk=number * 1_000_000,
            sign_prefix=f"B{number}",
        )
        data = writers[name](
            account=account.iban[2:], number=number, day=DAY, credits=credits_for(orders)
        )
        started, cpu = time.perf_counter(), time.process_time()
        parsed = read_statement_file(data)
        parse_seconds = time.perf_counter() - started
        parse_cpu = time.process_time() - cpu
        del parsed
        backend = _backend_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        result = _profiled(
            lambda data=data, name=name: statement_import(data=data, file_name=f"bench.{name}"),
            profile_out,
            f"{connection.vendor} {name} {count} credits",
        )
        import_seconds = time.perf_counter() - started
        import_cpu = time.process_time() - cpu
        backend_after = _backend_cpu()
        database_cpu = (
            f"{backend_after - backend:6.2f} s" if backend is not None and backend_after else "n/a"
        )
        assert result.matched == count and result.settled == count, result
        print(
            f"{name:8} {len(data) / 1e6:6.1f} MB  parser alone {parse_seconds:6.2f} s "
            f"({count / parse_seconds:8.0f} credits/s, CPU {parse_cpu:6.2f} s)  whole import "
            f"{import_seconds:6.2f} s ({result.matched / import_seconds:8.0f} matched/s, "
            f"CPU: Python {import_cpu:6.2f} s, database {database_cpu})  "
            f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        )
    if profile_file:
        Path(profile_file).write_text("\n".join(profile_out or []), encoding="utf-8")


if __name__ == "__main__":
    main()
