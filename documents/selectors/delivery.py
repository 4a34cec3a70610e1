"""Reads of deliveries: the legal delivery date, what a recipient may read, the outgoing book."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Q

from offices.models import Office
from offices.selectors import memberships_active

from ..models import (
    Case,
    CaseParty,
    Delivery,
    DeliveryChannel,
    InboxMessage,
    Letter,
    PartyRole,
    Receipt,
)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _to_party(deliveries, party):
    return deliveries.filter(
        Q(party=party) | Q(party__role=PartyRole.REPRESENTATIVE, party__represents=party)
    )


def delivery_date(*, letter: Letter, party=None) -> dt.date | None:
    """The legal delivery date of ``letter`` to ``party``: the day from which every deadline
    that runs from delivery starts (appeal, supplement, payment; counted by
    ``documents.deadlines.deadline_for``). ``party``: a ``CaseParty`` (the delivery to it, or
    to its representative), an account or a company; ``None``: the case's applicant (the party
    in the applicant's role, else the applicant's account). ``None`` while the letter is not
    delivered."""
    deliveries = Delivery.objects.filter(letter=letter)
    if party is None:
        applicant = (
            CaseParty.objects.filter(case_id=letter.case_id, role=PartyRole.APPLICANT)
            .order_by("pk")
            .first()
        )
        if applicant is not None and _to_party(deliveries, applicant).exists():
            party = applicant
        else:
            party = Case.objects.filter(pk=letter.case_id).values_list("applicant", flat=True).get()
            if party is None:
                return None
    if hasattr(party, "correspondent_id"):  # a case party
        deliveries = _to_party(deliveries, party)
    elif isinstance(party, int):  # the applicant's account, by id
        deliveries = deliveries.filter(recipient_id=party)
    elif hasattr(party, "nip"):  # a company
        deliveries = deliveries.filter(company=party)
    else:
        deliveries = deliveries.filter(recipient=party)
    return deliveries.values_list("delivered_on", flat=True).order_by("pk").first()


@dataclass(frozen=True)
class PartyDelivery:
    """One addressee's delivery of a letter: the party (None for a case without recorded
    parties), who it went to, on which channel, and the legal delivery date (None while not
    delivered)."""

    party_id: int | None
    addressee: str
    channel: str
    delivered_on: dt.date | None


def delivery_dates(*, letter: Letter) -> list[PartyDelivery]:
    """Every addressee's delivery of ``letter`` (in the order sent), each with its own date.
    A party served through its representative is listed under the party it represents."""
    rows = (
        Delivery.objects.filter(letter=letter)
        .order_by("pk")
        .values_list("party_id", "party__role", "party__represents_id", "recipient_name",
                     "channel", "delivered_on")
    )  # fmt: skip
    return [
        PartyDelivery(
            party_id=represents if role == PartyRole.REPRESENTATIVE and represents else party,
            addressee=name,
            channel=channel,
            delivered_on=day,
        )
        for party, role, represents, name, channel, day in rows
    ]


def letter_delivered_to_all(*, letter: Letter) -> dt.date | None:
    """The day the last addressee was served (a decision becomes final when the last party's
    appeal period ends); None while any addressee is not served yet."""
    days = [row.delivered_on for row in delivery_dates(letter=letter)]
    if not days or None in days:
        return None
    return max(day for day in days if day is not None)


def letter_released(*, user, message: InboxMessage) -> bool:
    """May the letter in ``message`` be shown to ``user`` without recording anything new: their
    receipt is already recorded (the UPD under the platform rule, else the opening of the SEKAP
    copy). Pages show the content only then; the opening itself is
    ``documents.services.inbox_open``."""
    if not message.letter_id:
        return True
    row = (
        Delivery.objects.filter(pk=message.delivery_id)
        .values("channel", "status", "copy_opened_at")
        .first()
    )
    if row is None:
        return False
    if row["channel"] == DeliveryChannel.PLATFORM and row["status"] == "delivered":
        return True
    return row["copy_opened_at"] is not None


def receipt_owned(*, user, receipt: Receipt) -> bool:
    """Is ``receipt`` (a UPD) the user's: issued for a delivery whose inbox copy is theirs or
    their company's? Another party's UPD of the same letter is not."""
    from . import inbox_for

    return Delivery.objects.filter(receipt=receipt, message__in=inbox_for(user)).exists()


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
