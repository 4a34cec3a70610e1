"""The ``when`` and ``day`` template filters: one Polish way to write a moment (issue 9)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from sekap.datetimes import polish_date, polish_datetime

UTC = dt.UTC


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # spring forward on 29.03.2026: 02:00 CET becomes 03:00 CEST
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29.03.2026 01:59"),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29.03.2026 03:00"),
        # fall back on 25.10.2026: 02:30 happens twice, an hour apart in UTC
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25.10.2026 02:30"),
        (dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25.10.2026 02:30"),
        (dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "25.10.2026 03:00"),
        # another zone, seconds and microseconds dropped, midnight crossing into the next day
        (
            dt.datetime(2026, 7, 1, 18, 5, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
            "02.07.2026 00:05",
        ),
        # naive means UTC
        (dt.datetime(2026, 1, 15, 12, 0), "15.01.2026 13:00"),
        # ISO 8601 text, as in signature reports
        ("2026-11-30T03:57:10.123456Z", "30.11.2026 04:57"),
        ("2026-06-30T22:00:00+00:00", "01.07.2026 00:00"),
        (None, ""),
        ("", ""),
    ],
)
def test_when(moment, expected):
    assert polish_datetime(moment) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 2, 3), "03.02.2026"),
        (dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "01.12.2026"),  # already 1 December
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "29.03.2026"),
        (dt.datetime(2026, 5, 31, 21, 59), "31.05.2026"),  # naive UTC, 23:59 in Warsaw
        (dt.datetime(2026, 5, 31, 22, 0), "01.06.2026"),
        ("2026-12-31T23:00:00Z", "01.01.2027"),
        (None, ""),
    ],
)
def test_day(value, expected):
    assert polish_date(value) == expected


def test_filters_in_a_template():
    source = "{% load sekap_dates %}{{ at|when }}|{{ due|day }}|{{ missing|day|default:'—' }}"
    html = Template(source).render(
        Context({"at": dt.datetime(2026, 8, 1, 6, 7, tzinfo=UTC), "due": dt.date(2026, 8, 15)})
    )
    assert html == "01.08.2026 08:07|15.08.2026|—"


@pytest.mark.parametrize("language", ["pl", "en", "uk"])
def test_what_django_writes_itself_uses_the_same_format(language):
    """A bare ``{{ value }}`` and the admin's lists (Django's own formats), in every UI language."""
    from django.contrib.admin.utils import display_for_value
    from django.utils import translation

    moment = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    with translation.override(language):
        html = Template("{{ at }}|{{ on }}").render(
            Context({"at": moment, "on": dt.date(2026, 3, 9)})
        )
        assert html == "25.10.2026 02:30|09.03.2026"
        assert display_for_value(moment, "") == "25.10.2026 02:30"
