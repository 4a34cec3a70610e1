"""The one deadline service: KPA art. 35 classes counted by the rules of art. 57.

* days (art. 57 § 1): the day of the triggering event is not counted; the period ends when
  its last day has passed, so a 7-day period from Monday ends on the next Monday;
* weeks (§ 2): on the same weekday; months (§ 3) and years (§ 3a): on the same day number,
  or the last day of the month when that day does not exist (31 Jan + 1 month = 28/29 Feb);
* § 4: an end on a Saturday or a statutory holiday (Sundays included; 24 December from 2025,
  Dz.U. 2024 poz. 1965) moves to the next day that is neither. An office's own day off does
  **not** move a legal deadline: it changes opening hours only (``offices.selectors``
  ``next_working_day`` is the office calendar, this module the legal one).
* art. 35 § 5: periods of suspension, time given to the party, delay caused by the party and
  waiting for an expert opinion are not counted: each excluded day after the start that falls
  before the (moving) end pushes the end by one day; the § 4 shift is applied last. While an
  exclusion is still open the deadline is unknown (``None``): the clock stands still.

``immediately`` ("niezwłocznie") and ``special`` have no computed date: ``None``.
Statutory holidays come from the ``holidays`` package (pinned, see pyproject.toml).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from offices.selectors import is_public_holiday

_RULE = re.compile(r"^(\d{1,3})([dwmy])$")
ONE_DAY = dt.timedelta(days=1)

# Art. 64 § 2: the party is given at least 7 days to remedy a gap, counted from delivery.
SUPPLEMENT_MIN_DAYS = 7
# Art. 37 § 4: a complaint about delay is forwarded to the higher body within 7 days.
COMPLAINT_FORWARD_RULE = "7d"


@dataclass(frozen=True)
class Period:
    quantity: int
    unit: str  # "d" | "w" | "m" | "y"


@dataclass(frozen=True)
class Excluded:
    """Days on which the clock stands still, both ends included; ``last`` None = still open."""

    first: dt.date
    last: dt.date | None


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


def is_legal_day_off(day: dt.date) -> bool:
    """A Saturday, a Sunday or a statutory holiday (art. 57 § 4); office days off are not."""
    return day.weekday() >= 5 or is_public_holiday(day)


def legal_end(day: dt.date) -> dt.date:
    """``day``, or the next day that is neither a Saturday nor a statutory holiday."""
    while is_legal_day_off(day):
        day += ONE_DAY
    return day


def extended_end(*, start: dt.date, end: dt.date, excluded: Iterable[Excluded]) -> dt.date | None:
    """``end`` pushed by every excluded day after ``start`` that falls on or before it
    (art. 35 § 5); overlapping exclusions count once. None while an exclusion that began by
    then is still open."""
    counted_until = start
    for span in sorted(excluded, key=lambda s: s.first):
        first = max(span.first, counted_until + ONE_DAY)
        if first > end:
            break
        if span.last is None:
            return None
        if span.last < first:
            continue
        end += (span.last - first).days * ONE_DAY + ONE_DAY
        counted_until = span.last
    return end


def deadline_for(*, start: dt.date, rule: str, excluded: Iterable[Excluded] = ()) -> dt.date | None:
    """The last day on which the office (or the party) may act under ``rule`` from ``start``.

    None for rules without a date and while an excluded period is still open.
    """
    period = period_of(rule)
    if period is None:
        return None
    end = extended_end(start=start, end=nominal_end(start=start, period=period), excluded=excluded)
    return None if end is None else legal_end(end)


def supplement_due(*, delivered_on: dt.date, days: int = SUPPLEMENT_MIN_DAYS) -> dt.date:
    """Art. 64 § 2: the last day to remedy a gap, ``days`` (at least 7) from delivery."""
    if days < SUPPLEMENT_MIN_DAYS:
        raise ValueError("art. 64 § 2 gives at least 7 days")
    return legal_end(delivered_on + dt.timedelta(days=days))


__all__ = [
    "COMPLAINT_FORWARD_RULE",
    "SUPPLEMENT_MIN_DAYS",
    "Excluded",
    "Period",
    "add_months",
    "deadline_for",
    "extended_end",
    "is_legal_day_off",
    "legal_end",
    "nominal_end",
    "period_of",
    "supplement_due",
]
