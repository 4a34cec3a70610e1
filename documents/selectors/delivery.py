"""Reads of deliveries: the legal delivery date, what a recipient may read, the outgoing book."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q

from offices.models import Office
from offices.selectors import memberships_active

from ..models import Delivery, DeliveryChannel, InboxMessage, Letter


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def delivery_date(*, letter: Letter, party=None) -> dt.date | None:
    """The legal delivery date of ``letter`` to ``party``: the day from which every deadline
    that runs from delivery starts (appeal, supplement, payment; counted by
    ``documents.deadlines.deadline_for``). ``party``: a ``CaseParty`` (the delivery to it, or
    to its representative), an account or a company; ``None``: the case's applicant. ``None``
    while the letter is not delivered."""
    deliveries = Delivery.objects.filter(letter=letter)
    if hasattr(party, "correspondent_id"):  # a case party
        deliveries = deliveries.filter(
            Q(party=party) | Q(party__role="representative", party__represents=party)
        )
    elif party is None:
        deliveries = deliveries.filter(recipient_id=letter.recipient_id)
    elif hasattr(party, "nip"):  # a company
        deliveries = deliveries.filter(company=party)
    else:
        deliveries = deliveries.filter(recipient=party)
    return deliveries.values_list("delivered_on", flat=True).order_by("pk").first()


def letter_released(*, user, message: InboxMessage) -> bool:
    """May the letter in ``message`` be shown to ``user`` without recording anything new: their
    receipt is already recorded (the UPD under the platform rule, else the opening of the SEKAP
    copy). Pages show the content only then; the opening itself is
    ``documents.services.inbox_open``."""
    if not message.letter_id:
        return True
    deliveries = Delivery.objects.filter(letter_id=message.letter_id)
    mine = deliveries.filter(recipient=user)
    if message.company_id:
        mine = mine | deliveries.filter(company_id=message.company_id)
    row = mine.order_by("pk").values("channel", "status", "copy_opened_at").first()
    if row is None:
        return False
    if row["channel"] == DeliveryChannel.PLATFORM and row["status"] == "delivered":
        return True
    return row["copy_opened_at"] is not None


def dispatch_offices(*, staff):
    """The offices whose outgoing book a member of staff may see: where they work now."""
    return Office.objects.filter(
        pk__in=memberships_active(user=staff).values("office_id")
    ).order_by("name")


def dispatch_delivery(*, staff, public_id) -> Delivery | None:
    key = _uuid(public_id)
    if key is None:
        return None
    return (
        Delivery.objects.filter(public_id=key, office__in=dispatch_offices(staff=staff))
        .select_related("office", "letter", "letter__case")
        .defer("sending_proof", "receipt_proof", "letter__xml")
        .first()
    )


def deliveries_of(letter: Letter):
    return Delivery.objects.filter(letter=letter).defer("sending_proof", "receipt_proof")


def dispatch_book(*, office, channel: str = DeliveryChannel.PAPER, start: dt.date, end: dt.date):
    """The office's outgoing book for one channel and period (by the day it was sent), in the
    order entered: one query, without the stored proofs."""
    return (
        Delivery.objects.filter(
            office=office,
            channel=channel,
            dispatched_at__date__gte=start,
            dispatched_at__date__lte=end,
        )
        .select_related("letter", "letter__case")
        .defer("sending_proof", "receipt_proof", "letter__xml", "letter__body")
        .order_by("dispatched_at", "pk")
    )
