"""When a letter counts as delivered: the dates of the delivery rules, and nothing else.

Our reading of the law (REFERENCE.md §2, §2.3, §4; to be checked against the consolidated texts,
REFERENCE §11 item 1):

* e-Doręczenia, art. 41 ust. 1 pkt 3 and art. 42 ust. 2 UDE: an item a public body sent to a
  non-public addressee and not collected is *deemed delivered on the day following the lapse of
  14 days from the arrival day* named in the proof of receipt. The arrival day is not counted
  (as in art. 57 § 1 KPA), so arrival on day D -> the 14 days lapse at the end of D+14 ->
  delivered on D+15. The act names a calendar day, not a time limit for doing something, so
  art. 57 § 4 KPA does not move it: it may fall on a Saturday or a holiday. Deadlines counted
  *from* that day (the appeal, art. 129 § 2 KPA) then move off Saturdays and holidays as usual.
  Collected earlier: delivered at the moment of collection (art. 42 ust. 1 pkt 1).
* Platform delivery under the old ePUAP rule (old art. 46 § 4 KPA, 2014 wording): a second
  notice after 7 days counted from the first notice (sent at the start of day N+8), and, if the
  letter is not opened, delivery is deemed made on the lapse of 14 days counted from the first
  notice. That is a KPA period counted in days, so art. 57 § 1 and § 4 apply: it ends on N+14,
  moved to the next day that is neither a Saturday nor a holiday; ``delivered_on`` is that last
  day. Opened earlier: delivered at the opening, confirmed by the UPD.
* Paper, art. 44 § 1–4 KPA: a letter not collected after two notices is deemed delivered with
  the lapse of the last day of the 14 days counted from the first notice; the same KPA counting
  applies (art. 57 § 1, § 4). A returned receipt with a date: delivered that day (art. 42–43).

The legal calendar is the one deadline service's (``documents.deadlines.deadline_for``):
Saturdays and statutory holidays only, never an office's own days off.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ...deadlines import deadline_for

UDE_DAYS = 14
SECOND_NOTICE_AFTER_DAYS = 7
DEEMED_AFTER_DAYS = 14


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the platform's time zone (Europe/Warsaw)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def ude_deemed_on(*, arrived_on: dt.date) -> dt.date:
    """Art. 42 ust. 2 UDE: the day following the lapse of 14 days from the arrival day."""
    return arrived_on + dt.timedelta(days=UDE_DAYS + 1)


def second_notice_on(*, first_notice_on: dt.date) -> dt.date:
    """The day after the 7 days counted from the first notice have passed."""
    return first_notice_on + dt.timedelta(days=SECOND_NOTICE_AFTER_DAYS + 1)


def kpa_deemed_on(*, first_notice_on: dt.date) -> dt.date:
    """The last day of the 14 days counted from the first notice (art. 44 § 4 KPA, old art. 46
    § 4 KPA), moved off a Saturday or a holiday (art. 57 § 4)."""
    day = deadline_for(start=first_notice_on, rule=f"{DEEMED_AFTER_DAYS}d")
    assert day is not None
    return day


__all__ = [
    "kpa_deemed_on",
    "second_notice_on",
    "start_of",
    "ude_deemed_on",
]
