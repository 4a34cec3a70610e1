"""RPW numbers: gap-free per office and year, allocated under a row lock on the counter row.

Every registration of an office waits on its counter row's lock until the one before commits,
so the lock is taken as late as possible (everything else is computed first) and each statement
saved while it is held shortens the queue (profile: bench/profiles/register_paper.txt). Lock
order, everywhere: the office's RPW counter first, then its audit chain head.
"""

from __future__ import annotations

from django.db import connection

from ...models import RegisterCounter, RegisterEntry

_NEXT = (  # RegisterCounter's table; parameters: how many numbers, office, year
    "UPDATE documents_registercounter SET last_number = last_number + %s "
    "WHERE office_id = %s AND year = %s RETURNING last_number"
)


def _counter_create(*, office_id: int, year: int) -> None:
    # the office's first number of the year: a concurrent creator wins the unique constraint;
    # get_or_create then reads its row
    RegisterCounter.objects.get_or_create(office_id=office_id, year=year)


def rpw_allocate(*, office_id: int, year: int) -> int:
    """The next RPW number of an office in a year (call inside a transaction: the counter row
    stays locked until it commits, so a rolled-back registration gives its number back).

    One statement takes the row lock and the number (UPDATE … RETURNING)."""
    return rpw_allocate_many(office_id=office_id, year=year, count=1)[0]


def rpw_allocate_many(*, office_id: int, year: int, count: int) -> range:
    """The next ``count`` RPW numbers of an office in a year, consecutive, in one statement
    (as :func:`rpw_allocate`; a batch of registrations numbers its items in its order)."""
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_NEXT, [count, office_id, year])
            row = cursor.fetchone()
        if row is not None:
            return range(int(row[0]) - count + 1, int(row[0]) + 1)
        _counter_create(office_id=office_id, year=year)
    raise RuntimeError("the RPW counter could not be created")


def _insert_sql() -> tuple[str, list]:
    meta = RegisterEntry._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # typed placeholders: INSERT … SELECT does not take the column types for untyped literals
    values = ", ".join(
        "n.last_number" if f.attname == "number" else f"CAST(%s AS {f.cast_db_type(connection)})"
        for f in fields
    )
    # names from the model's metadata only; every value is a parameter
    sql = (
        f"WITH n AS ({_NEXT}) INSERT INTO {meta.db_table} ({columns}) SELECT {values} FROM n "  # noqa: S608
        f"RETURNING {connection.ops.quote_name(meta.pk.column)}, "
        f"{connection.ops.quote_name(meta.get_field('number').column)}"
    )
    return sql, [f for f in fields if f.attname != "number"]


def rpw_insert(*, entry: RegisterEntry) -> RegisterEntry:
    """Save the new ``entry`` with the next RPW number of its office and year (inside a
    transaction, as :func:`rpw_allocate`).

    On PostgreSQL the number and the row are one statement (the counter's UPDATE … RETURNING
    feeding the INSERT), so the counter lock is held for one round trip less; elsewhere the
    number is taken first and the row saved after it."""
    if connection.vendor != "postgresql":
        entry.number = rpw_allocate(office_id=entry.office_id, year=entry.year)
        entry.save(force_insert=True)
        return entry
    sql, fields = _insert_sql()
    params = [1, entry.office_id, entry.year]
    params += [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            entry.pk, entry.number = row[0], int(row[1])
            entry._state.adding, entry._state.db = False, connection.alias
            return entry
        _counter_create(office_id=entry.office_id, year=entry.year)
    raise RuntimeError("the RPW counter could not be created")
