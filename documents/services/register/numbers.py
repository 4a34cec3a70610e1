"""RPW numbers: gap-free per office and year, allocated under a row lock on the counter row."""

from __future__ import annotations

from ...models import RegisterCounter


def rpw_allocate(*, office_id: int, year: int) -> int:
    """The next RPW number of an office in a year (call inside a transaction: the counter row
    stays locked until it commits, so a rolled-back registration gives its number back)."""
    counter, _created = RegisterCounter.objects.select_for_update().get_or_create(
        office_id=office_id, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
