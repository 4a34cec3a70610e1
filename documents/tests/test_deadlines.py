"""KPA art. 57 counting (hypothesis properties and worked examples)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.deadlines import add_months, deadline_for, nominal_end, period_of
from offices.models import DayOff
from offices.selectors import is_working_day
from offices.tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

RULES = ["7d", "14d", "1m", "2m", "3w", "1y"]


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.mark.parametrize(
    ("start", "rule", "expected"),
    [
        (dt.date(2026, 3, 2), "7d", dt.date(2026, 3, 9)),  # Monday + 7 days = Monday
        (dt.date(2026, 3, 6), "7d", dt.date(2026, 3, 13)),  # Friday -> Friday
        (dt.date(2026, 3, 7), "7d", dt.date(2026, 3, 16)),  # Saturday -> Saturday -> Monday
        (dt.date(2026, 1, 31), "1m", dt.date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
        (dt.date(2028, 1, 31), "1m", dt.date(2028, 2, 29)),  # leap year, a Tuesday
        (dt.date(2026, 3, 31), "1m", dt.date(2026, 4, 30)),  # no 31 April: last day
        (dt.date(2026, 10, 12), "2m", dt.date(2026, 12, 14)),  # 12 Dec is a Saturday
        (dt.date(2026, 4, 29), "7d", dt.date(2026, 5, 6)),  # 6 May, Wednesday
        (dt.date(2026, 4, 24), "7d", dt.date(2026, 5, 4)),  # 1 May holiday (Fri) + weekend
        (dt.date(2026, 12, 10), "14d", dt.date(2026, 12, 28)),  # 24-26 Dec, 27 Sunday
        (dt.date(2026, 10, 28), "14d", dt.date(2026, 11, 12)),  # 11 Nov is a holiday
    ],
)
def test_worked_examples(office, start, rule, expected):
    assert deadline_for(office=office, start=start, rule=rule) == expected


def test_office_day_off_moves_the_end(office):
    start = dt.date(2026, 3, 2)
    assert deadline_for(office=office, start=start, rule="7d") == dt.date(2026, 3, 9)
    DayOff.objects.create(office=office, date=dt.date(2026, 3, 9), reason="Dzień urzędu")
    assert deadline_for(office=office, start=start, rule="7d") == dt.date(2026, 3, 10)
    other = OfficeFactory()
    assert deadline_for(office=other, start=start, rule="7d") == dt.date(2026, 3, 9)


def test_no_date_for_immediate_and_special_and_paused_days(office):
    assert deadline_for(office=office, start=dt.date(2026, 3, 2), rule="immediately") is None
    assert deadline_for(office=office, start=dt.date(2026, 3, 2), rule="special") is None
    assert deadline_for(
        office=office, start=dt.date(2026, 3, 2), rule="7d", paused_days=3
    ) == dt.date(2026, 3, 12)


@pytest.fixture
def office_with_days_off(db):
    office = OfficeFactory()
    for day in (dt.date(2026, 3, 9), dt.date(2027, 6, 4), dt.date(2028, 11, 10)):
        DayOff.objects.create(office=office, date=day, reason="Dzień wolny urzędu")
    return office


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=dates, rule=st.sampled_from(RULES))
def test_properties(office_with_days_off, start, rule):
    office = office_with_days_off
    end = deadline_for(office=office, start=start, rule=rule)
    nominal = nominal_end(start=start, period=period_of(rule))
    assert end >= nominal > start
    assert is_working_day(office=office, day=end)
    # it is the FIRST working day on or after the nominal end
    day = nominal
    while day < end:
        assert not is_working_day(office=office, day=day)
        day += dt.timedelta(days=1)
    if is_working_day(office=office, day=nominal):
        assert end == nominal


@given(start=dates, months=st.integers(min_value=0, max_value=36))
def test_months_keep_the_day_or_end_of_month(start, months):
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    if end.day != start.day:
        assert end.day < start.day
        assert (end + dt.timedelta(days=1)).day == 1  # the last day of that month
