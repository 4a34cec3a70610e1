"""Sending a sealed letter out and reading back when it was delivered: the delivery service's
interface (``letter_dispatch``, one delivery per addressee on its legal channel, and the
legal delivery date ``delivery_date``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sekap.errors import NotAllowed

from ...errors import DecisionRefused, DeliveryRefused
from ...models import CaseParty, Letter
from ...selectors import delivery_date
from ..delivery import addressees_of, letter_dispatch


def letter_out(
    *, letter: Letter, actor, now: dt.datetime, parties: Sequence[CaseParty] | None = None
) -> None:
    """Start the letter's deliveries (in the caller's transaction; network work after commit):
    to every party of the case, or to the ``parties`` chosen (of this case)."""
    Letter.objects.filter(pk=letter.pk).update(sent_at=now)
    try:
        addressees = addressees_of(letter, parties=parties)
    except DeliveryRefused:
        raise NotAllowed() from None  # a party of another case
    if not addressees:
        raise DecisionRefused()
    letter_dispatch(letter=letter, actor=actor, addressees=addressees)


def delivered_on(letter: Letter) -> dt.date | None:
    """The legal delivery date to the case's applicant (None while not delivered); every
    party's own date: ``documents.selectors.delivery_dates``."""
    return delivery_date(letter=letter)
