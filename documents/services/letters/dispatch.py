"""Sending a sealed letter out and reading back when it was delivered: the delivery service's
interface (``letter_dispatch``, one delivery per addressee on its legal channel, and the
legal delivery date ``delivery_date``)."""

from __future__ import annotations

import datetime as dt

from ...models import Letter
from ...selectors import delivery_date
from ..delivery import letter_dispatch


def letter_out(*, letter: Letter, actor, now: dt.datetime) -> None:
    """Start the letter's deliveries (in the caller's transaction; network work after commit)."""
    Letter.objects.filter(pk=letter.pk).update(sent_at=now)
    letter_dispatch(letter=letter, actor=actor)


def delivered_on(letter: Letter) -> dt.date | None:
    """The legal delivery date to the case's applicant (None while not delivered); every
    party's own date: ``documents.selectors.delivery_dates``."""
    return delivery_date(letter=letter)
