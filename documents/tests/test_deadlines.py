"""KPA art. 57 counting: a table of worked examples and hypothesis properties.

Every expected date in ``TABLE`` was worked out by hand from the calendar (the comment on each
row gives the reasoning); the statutory holidays are those of the pinned ``holidays`` package
(0.109), which has 24 December as a holiday from 2025 (Dz.U. 2024 poz. 1965).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.deadlines import (
    Excluded,
    add_months,
    deadline_for,
    is_legal_day_off,
    nominal_end,
    period_of,
    supplement_due,
)

D = dt.date


def X(first, last):
    return Excluded(first, last)


# (start, rule, excluded periods, expected last day) -- reasoning per row
TABLE = [
    # --- days (art. 57 § 1): the start day is not counted
    (D(2026, 3, 2), "7d", [], D(2026, 3, 9)),  # Mon + 7 = Mon 9 Mar, a working day
    (D(2026, 3, 6), "7d", [], D(2026, 3, 13)),  # Fri + 7 = Fri 13 Mar
    (D(2026, 3, 7), "7d", [], D(2026, 3, 16)),  # Sat + 7 = Sat 14 Mar -> Sun 15 -> Mon 16
    (D(2026, 3, 8), "7d", [], D(2026, 3, 16)),  # Sun + 7 = Sun 15 Mar (holiday) -> Mon 16
    (D(2026, 3, 5), "14d", [], D(2026, 3, 19)),  # Thu + 14 = Thu 19 Mar
    # --- Easter
    (D(2026, 3, 30), "7d", [], D(2026, 4, 7)),  # Mon + 7 = Easter Monday 6 Apr 2026 -> Tue 7
    (
        D(2026, 3, 29),
        "7d",
        [],
        D(2026, 4, 7),
    ),  # Sun + 7 = Easter Sunday 5 Apr -> Mon 6 holiday -> 7
    (D(2027, 3, 22), "7d", [], D(2027, 3, 30)),  # + 7 = Easter Monday 29 Mar 2027 -> Tue 30
    # --- Corpus Christi (Thursday, 60 days after Easter)
    (D(2026, 5, 28), "7d", [], D(2026, 6, 5)),  # + 7 = Thu 4 Jun 2026, Corpus Christi -> Fri 5
    (D(2027, 5, 13), "14d", [], D(2027, 5, 28)),  # + 14 = Thu 27 May 2027, Corpus Christi -> 28
    (D(2028, 5, 15), "1m", [], D(2028, 6, 16)),  # 15 Jun 2028 is Corpus Christi -> Fri 16 Jun
    # --- 24 December: a statutory holiday from 2025, a working day before
    (D(2025, 12, 17), "7d", [], D(2025, 12, 29)),  # 24 Wed, 25-26 holidays, 27 Sat, 28 Sun -> 29
    (D(2026, 12, 17), "7d", [], D(2026, 12, 28)),  # 24 Thu, 25 Fri, 26 Sat, 27 Sun -> Mon 28
    (D(2024, 12, 17), "7d", [], D(2024, 12, 24)),  # Tue 24 Dec 2024: not yet a holiday, ends then
    (D(2027, 11, 24), "1m", [], D(2027, 12, 27)),  # Fri 24 Dec 2027, 25 Sat, 26 Sun -> Mon 27
    # --- 11 November (and other holidays) on a weekend: no extra day in lieu
    (D(2028, 11, 4), "7d", [], D(2028, 11, 13)),  # 11 Nov 2028 is Sat (+ holiday) -> Sun -> Mon 13
    (D(2029, 11, 4), "7d", [], D(2029, 11, 12)),  # 11 Nov 2029 is Sun -> Mon 12 (a working day)
    (D(2026, 10, 28), "14d", [], D(2026, 11, 12)),  # 11 Nov 2026 is Wed, a holiday -> Thu 12
    (D(2026, 10, 25), "7d", [], D(2026, 11, 2)),  # 1 Nov 2026 is Sun (All Saints) -> Mon 2
    (D(2026, 4, 24), "7d", [], D(2026, 5, 4)),  # 1 May Fri, 2 Sat, 3 May Sun -> Mon 4 May
    (D(2027, 4, 26), "7d", [], D(2027, 5, 4)),  # 3 May 2027 is Mon, a holiday -> Tue 4
    (D(2026, 8, 8), "7d", [], D(2026, 8, 17)),  # 15 Aug 2026 is Sat (Assumption) -> Sun -> Mon 17
    (D(2026, 12, 30), "7d", [], D(2027, 1, 7)),  # Wed 6 Jan 2027 is Epiphany -> Thu 7
    (D(2027, 12, 25), "7d", [], D(2028, 1, 3)),  # 1 Jan 2028 is Sat -> Sun 2 -> Mon 3
    # --- months (art. 57 § 3): same day number, or the month's last day
    (D(2026, 1, 31), "1m", [], D(2026, 3, 2)),  # no 31 Feb: 28 Feb 2026 = Sat -> Sun -> Mon 2 Mar
    (D(2028, 1, 31), "1m", [], D(2028, 2, 29)),  # leap year: 29 Feb 2028, a Tuesday
    (D(2027, 1, 31), "1m", [], D(2027, 3, 1)),  # 28 Feb 2027 is Sun -> Mon 1 Mar
    (D(2028, 1, 30), "1m", [], D(2028, 2, 29)),  # no 30 Feb: last day 29 Feb 2028 (Tue)
    (D(2026, 3, 31), "1m", [], D(2026, 4, 30)),  # no 31 Apr: Thu 30 Apr 2026
    (D(2025, 12, 31), "2m", [], D(2026, 3, 2)),  # 28 Feb 2026 (no 31) is Sat -> Mon 2 Mar
    (D(2027, 12, 31), "2m", [], D(2028, 2, 29)),  # leap: 29 Feb 2028 (Tue)
    (D(2026, 10, 12), "2m", [], D(2026, 12, 14)),  # 12 Dec 2026 is Sat -> Sun -> Mon 14
    (D(2026, 8, 31), "1m", [], D(2026, 9, 30)),  # no 31 Sep: Wed 30 Sep
    (D(2026, 5, 31), "1m", [], D(2026, 6, 30)),  # no 31 Jun: Tue 30 Jun
    (D(2028, 2, 29), "1y", [], D(2029, 2, 28)),  # § 3a: no 29 Feb 2029 -> Wed 28 Feb
    # --- weeks (art. 57 § 2): the same weekday
    (D(2026, 3, 4), "2w", [], D(2026, 3, 18)),  # Wed -> Wed 18 Mar
    (D(2026, 12, 10), "2w", [], D(2026, 12, 28)),  # Thu 24 Dec holiday, 25, 26 Sat, 27 Sun -> 28
    # --- no computed date
    (D(2026, 3, 2), "immediately", [], None),  # niezwłocznie: no date
    (D(2026, 3, 2), "special", [], None),  # a special act's own deadline: no date here
    # --- art. 35 § 5: excluded periods (suspension, time for the party, expert opinion)
    # 2 Mar + 1m = Thu 2 Apr; 10 excluded days (10-19 Mar) -> Sun 12 Apr -> Mon 13 Apr
    (D(2026, 3, 2), "1m", [X(D(2026, 3, 10), D(2026, 3, 19))], D(2026, 4, 13)),
    # across the nominal end (9 Mar): 5-20 Mar = 16 days -> 9 + 16 = Wed 25 Mar
    (D(2026, 3, 2), "7d", [X(D(2026, 3, 5), D(2026, 3, 20))], D(2026, 3, 25)),
    # begins after the nominal end (Mon 9 Mar): the deadline had passed, nothing moves
    (D(2026, 3, 2), "7d", [X(D(2026, 3, 10), D(2026, 3, 15))], D(2026, 3, 9)),
    # begins on the last day (9 Mar): 9-11 Mar = 3 days -> Thu 12 Mar
    (D(2026, 3, 2), "7d", [X(D(2026, 3, 9), D(2026, 3, 11))], D(2026, 3, 12)),
    # still open, begun before the end: the clock stands still, no date
    (D(2026, 3, 2), "1m", [X(D(2026, 3, 10), None)], None),
    # still open but begun after the end (9 Mar) had passed: the date stays
    (D(2026, 3, 2), "7d", [X(D(2026, 3, 20), None)], D(2026, 3, 9)),
    # overlapping 10-19 and 15-24 Mar count once: 15 days -> 2 Apr + 15 = Fri 17 Apr
    (
        D(2026, 3, 2),
        "1m",
        [X(D(2026, 3, 10), D(2026, 3, 19)), X(D(2026, 3, 15), D(2026, 3, 24))],
        D(2026, 4, 17),
    ),
    # 3-5 Mar (3 days) push 9 -> 12 Mar, which reaches 11-12 Mar (2 days) -> Sat 14 -> Mon 16
    (
        D(2026, 3, 2),
        "7d",
        [X(D(2026, 3, 11), D(2026, 3, 12)), X(D(2026, 3, 3), D(2026, 3, 5))],
        D(2026, 3, 16),
    ),
    # begun before the start: only 3-4 Mar count (2 days) -> Wed 11 Mar
    (D(2026, 3, 2), "7d", [X(D(2026, 2, 25), D(2026, 3, 4))], D(2026, 3, 11)),
    # 16-19 Mar (4 days) push Thu 2 Apr to Mon 6 Apr, Easter Monday -> Tue 7 Apr
    (D(2026, 3, 2), "1m", [X(D(2026, 3, 16), D(2026, 3, 19))], D(2026, 4, 7)),
    # 16 Nov + 1m = Wed 16 Dec; 20-27 Nov (8 days) -> Thu 24 Dec (holiday) ... Sun 27 -> Mon 28
    (D(2026, 11, 16), "1m", [X(D(2026, 11, 20), D(2026, 11, 27))], D(2026, 12, 28)),
    # a one-day exclusion: 9 Mar + 1 = Tue 10 Mar
    (D(2026, 3, 2), "7d", [X(D(2026, 3, 4), D(2026, 3, 4))], D(2026, 3, 10)),
]


def test_the_table_has_at_least_forty_rows():
    assert len(TABLE) >= 40


@pytest.mark.parametrize(("start", "rule", "excluded", "expected"), TABLE)
def test_worked_examples(start, rule, excluded, expected):
    assert deadline_for(start=start, rule=rule, excluded=excluded) == expected


@pytest.mark.parametrize(
    ("delivered", "days", "expected"),
    [
        (D(2026, 3, 2), 7, D(2026, 3, 9)),  # delivered Mon, 7 days -> Mon 9 Mar
        (D(2026, 12, 17), 7, D(2026, 12, 28)),  # Thu 24 Dec holiday, 25, 26 Sat, 27 Sun -> 28
        (D(2026, 3, 30), 7, D(2026, 4, 7)),  # Easter Monday 6 Apr -> Tue 7
        (D(2026, 3, 2), 14, D(2026, 3, 16)),  # a longer term may be given: Mon 16 Mar
    ],
)
def test_supplement_due_counts_from_delivery(delivered, days, expected):
    assert supplement_due(delivered_on=delivered, days=days) == expected


def test_supplement_term_is_at_least_seven_days():
    with pytest.raises(ValueError):
        supplement_due(delivered_on=D(2026, 3, 2), days=6)


RULES = ["7d", "14d", "1m", "2m", "3w", "1y"]
dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


@given(start=dates, rule=st.sampled_from(RULES))
def test_the_end_is_the_first_legal_working_day_on_or_after_the_nominal_end(start, rule):
    end = deadline_for(start=start, rule=rule)
    nominal = nominal_end(start=start, period=period_of(rule))
    assert end >= nominal > start
    assert not is_legal_day_off(end)
    day = nominal
    while day < end:
        assert is_legal_day_off(day)
        day += dt.timedelta(days=1)


@given(
    start=dates,
    rule=st.sampled_from(RULES),
    offset=st.integers(min_value=1, max_value=40),
    length=st.integers(min_value=1, max_value=60),
)
def test_an_exclusion_inside_the_period_pushes_the_nominal_end_by_its_length(
    start, rule, offset, length
):
    nominal = nominal_end(start=start, period=period_of(rule))
    first = start + dt.timedelta(days=offset)
    last = first + dt.timedelta(days=length - 1)
    end = deadline_for(start=start, rule=rule, excluded=[Excluded(first, last)])
    if first > nominal:
        assert end == deadline_for(start=start, rule=rule)
    else:
        pushed = nominal + dt.timedelta(days=length)
        assert end >= pushed
        assert all(
            is_legal_day_off(pushed + dt.timedelta(days=i)) for i in range((end - pushed).days)
        )


@given(start=dates, months=st.integers(min_value=0, max_value=36))
def test_months_keep_the_day_or_end_of_month(start, months):
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    if end.day != start.day:
        assert end.day < start.day
        assert (end + dt.timedelta(days=1)).day == 1  # the last day of that month
