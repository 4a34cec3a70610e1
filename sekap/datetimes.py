"""One Polish way of writing a moment for people: ``dd.mm.rrrr gg:mm`` in Europe/Warsaw.

Use ``{% load sekap_dates %}`` and ``{{ value|when }}`` (or ``|day`` for a date) in templates;
``when`` accepts aware datetimes and ISO 8601 text (as in signature reports), ``None`` gives "".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

WARSAW = ZoneInfo("Europe/Warsaw")

register = template.Library()


def as_moment(value: dt.datetime | str | None) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text (``Z`` allowed); naive means UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


@register.filter(name="when")
def polish_datetime(value: dt.datetime | str | None) -> str:
    """``2026-11-30T03:57:10.123456Z`` -> ``"30.11.2026 04:57"``."""
    moment = as_moment(value)
    return moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M") if moment else ""


@register.filter(name="day")
def polish_date(value: dt.date | dt.datetime | str | None) -> str:
    """A calendar day as ``dd.mm.rrrr`` (a datetime is taken in Europe/Warsaw)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str | dt.datetime):
        value = as_moment(value).astimezone(WARSAW).date()
    return value.strftime("%d.%m.%Y")
