"""RPW numbers: gap-free per office and year, allocated under a row lock on the counter row."""

from __future__ import annotations

from django.db import connection

from ...models import RegisterCounter

_NEXT = (  # RegisterCounter's table
    "UPDATE documents_registercounter SET last_number = last_number + 1 "
    "WHERE office_id = %s AND year = %s RETURNING last_number"
)


def rpw_allocate(*, office_id: int, year: int) -> int:
    """The next RPW number of an office in a year (call inside a transaction: the counter row
    stays locked until it commits, so a rolled-back registration gives its number back).

    One statement takes the row lock and the number (UPDATE … RETURNING): every registration of
    the office waits on that lock until the one before commits, so each statement saved inside
    it shortens the queue (profile: bench/profiles/register_paper.txt)."""
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_NEXT, [office_id, year])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        # the office's first number of the year: create the counter (a concurrent creator wins
        # the unique constraint; get_or_create then reads its row) and take the number again
        RegisterCounter.objects.get_or_create(office_id=office_id, year=year)
    raise RuntimeError("the RPW counter could not be created")
