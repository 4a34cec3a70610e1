"""The one deadline service: KPA art. 35 classes counted by the rules of art. 57.

* days (art. 57 § 1): the day of the triggering event is not counted; the period ends when
  its last day has passed, so a 7-day period from Monday ends on the next Monday;
* weeks (§ 2): on the same weekday; months (§ 3) and years (§ 3a): on the same day number,
  or the last day of the month when that day does not exist (31 Jan + 1 month = 28/29 Feb);
* § 4: an end on a Saturday or a statutory holiday (Sundays included) moves to the next day
  that is neither; we also skip the office's own days off (``offices`` calendar).

``immediately`` ("niezwłocznie") and ``special`` have no computed date: ``None``.
Paused days (art. 35 § 5: suspension, waiting for the party) extend the period day for day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from offices.models import Office
from offices.selectors import next_working_day

_RULE = re.compile(r"^(\d{1,3})([dwmy])$")


@dataclass(frozen=True)
class Period:
    quantity: int
    unit: str  # "d" | "w" | "m" | "y"


def period_of(rule: str) -> Period | None:
    """``"14d"`` -> Period(14, "d"); ``"immediately"``/``"special"``/unknown -> None."""
    match = _RULE.match(rule or "")
    if not match:
        return None
    return Period(int(match.group(1)), match.group(2))


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def nominal_end(*, start: dt.date, period: Period) -> dt.date:
    """The last day of the period before art. 57 § 4 moves it off a day off."""
    if period.unit == "d":
        return start + dt.timedelta(days=period.quantity)
    if period.unit == "w":
        return start + dt.timedelta(weeks=period.quantity)
    if period.unit == "m":
        return add_months(start, period.quantity)
    return add_months(start, 12 * period.quantity)


def deadline_for(
    *, office: Office, start: dt.date, rule: str, paused_days: int = 0
) -> dt.date | None:
    """The last day on which the office may act (or the party may act) under ``rule``."""
    period = period_of(rule)
    if period is None:
        return None
    end = nominal_end(start=start, period=period) + dt.timedelta(days=paused_days)
    return next_working_day(office=office, day=end)


__all__ = ["Period", "add_months", "deadline_for", "nominal_end", "period_of"]
