"""Recording that a letter reached its addressee: collection (e-Doręczenia, the platform's
UPD), the post's return receipt, and the one path that releases a letter's content.

Item 5 of issue 11: the content of an official letter is released to a recipient only through
:func:`letter_release`, which records the receipt first: under the platform rule the first
opening by the addressee (or by anyone who represents the addressed company) is the delivery,
confirmed by a UPD; under e-Doręczenia and paper the legal delivery happens on that channel and
the opening of the SEKAP copy is recorded (``copy_opened_at``, audited, case history).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from sekap import audit
from sekap.errors import NotAllowed

from ...errors import DeliveryRefused
from ...models import (
    Delivery,
    DeliveryChannel,
    DeliveryRule,
    DeliveryStatus,
    InboxMessage,
    Letter,
    Receipt,
)
from ..history import case_event
from ..receipts import upd_issue
from .rules import kpa_deemed_on
from .states import delivery_transition

OPEN = (DeliveryStatus.SENT, DeliveryStatus.AVAILABLE, DeliveryStatus.SECOND_NOTICE)


def _sha(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data else ""


def delivery_record_collection(
    *, delivery: Delivery, at: dt.datetime, by=None, proof: bytes | None = None
) -> Delivery:
    """The addressee collected the letter at ``at``: from the e-Doręczenia box (``proof`` = the
    operator's signed dowód otrzymania, stored as given) or by opening it in the SEKAP inbox
    under the platform rule (``by`` = the person who opened it; the office issues a UPD, sealed
    and stored before the transaction)."""
    upd = None
    if delivery.channel == DeliveryChannel.PLATFORM and delivery.status in OPEN:
        upd = upd_issue(delivery=delivery, at=at, by=by)
    return _collection_record(delivery=delivery, at=at, by=by, proof=proof, upd=upd)


@transaction.atomic
def _collection_record(
    *, delivery: Delivery, at: dt.datetime, by, proof: bytes | None, upd: Receipt | None
) -> Delivery:
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in OPEN:
        raise DeliveryRefused()
    if delivery.channel == DeliveryChannel.EDORECZENIA:
        if not proof:
            raise DeliveryRefused()
        rule = DeliveryRule.UDE_COLLECTED
    elif delivery.channel == DeliveryChannel.PLATFORM and upd is not None:
        rule = DeliveryRule.PLATFORM_OPENED
    else:
        raise DeliveryRefused()
    changes: dict = {
        "collected_at": at,
        "collected_by": by,
        "delivered_on": timezone.localdate(at),
        "rule": rule,
        "due_at": None,
    }
    if proof:
        changes.update(receipt_proof=proof, receipt_proof_sha256=_sha(proof))
    delivery = delivery_transition(
        delivery=delivery, to=DeliveryStatus.DELIVERED, actor=by, **changes
    )
    if delivery.channel == DeliveryChannel.PLATFORM:
        letter = Letter.objects.select_for_update().get(pk=delivery.letter_id)
        if letter.opened_at is None:
            letter.opened_at = at
            letter.save(update_fields=["opened_at"])
        upd.save(force_insert=True)
        receipt = upd
        Delivery.objects.filter(pk=delivery.pk).update(receipt=receipt)
        delivery.receipt = receipt
        transaction.on_commit(lambda: _pdf(receipt.pk))
    return delivery


@transaction.atomic
def paper_receipt_record(
    *,
    delivery: Delivery,
    actor,
    date: dt.date | None = None,
    returned: bool = False,
    first_notice_on: dt.date | None = None,
) -> Delivery:
    """The post's return receipt came back: with the ``date`` the addressee received the letter
    (art. 42–43 KPA), or the letter itself came back ``returned`` uncollected after two notices,
    the first on ``first_notice_on`` (deemed delivered, art. 44 § 4 KPA)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.channel != DeliveryChannel.PAPER or delivery.status not in OPEN:
        raise DeliveryRefused()
    today = timezone.localdate()
    if returned == (date is not None):
        raise DeliveryRefused()
    if returned:
        if first_notice_on is None or first_notice_on > today:
            raise DeliveryRefused()
        if first_notice_on < timezone.localdate(delivery.dispatched_at):
            raise DeliveryRefused()
        return delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DEEMED,
            actor=actor,
            first_notice_at=_noon(first_notice_on),
            returned_at=timezone.now(),
            deemed_at=timezone.now(),
            delivered_on=kpa_deemed_on(first_notice_on=first_notice_on),
            rule=DeliveryRule.POST_DEEMED,
            due_at=None,
        )
    assert date is not None
    if date > today or date < timezone.localdate(delivery.dispatched_at):
        raise DeliveryRefused()
    return delivery_transition(
        delivery=delivery,
        to=DeliveryStatus.DELIVERED,
        actor=actor,
        collected_at=_noon(date),
        delivered_on=date,
        rule=DeliveryRule.POST_RECEIVED,
        due_at=None,
    )


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def letter_release(*, user, message: InboxMessage) -> Delivery:
    """Record the reader's receipt of the letter in ``message`` (a message of their inbox,
    ``documents.selectors.inbox_for``, so theirs or their company's) before its content is shown
    or downloaded. The copy belongs to one delivery: the reader collects that one only, never
    another party's. Idempotent. A first opening under the platform rule gets its UPD sealed
    and stored before the transaction; a concurrent opening that wins leaves it unused."""
    if not message.letter_id or not message.delivery_id:
        raise NotAllowed()
    now = timezone.now()
    delivery = Delivery.objects.select_related("letter__case__office").get(pk=message.delivery_id)
    upd = None
    if delivery.channel == DeliveryChannel.PLATFORM and delivery.status in OPEN:
        upd = upd_issue(delivery=delivery, at=now, by=user)
    return _release(user=user, message=message, now=now, upd=upd)


@transaction.atomic
def _release(*, user, message: InboxMessage, now: dt.datetime, upd: Receipt | None) -> Delivery:
    letter = Letter.objects.select_for_update().get(pk=message.letter_id)
    delivery = Delivery.objects.select_for_update().get(pk=message.delivery_id)
    if delivery.channel == DeliveryChannel.PLATFORM and delivery.status in OPEN:
        if upd is None:  # it was not open a moment ago: the reader opens it again
            raise DeliveryRefused()
        return _collection_record(delivery=delivery, at=now, by=user, proof=None, upd=upd)
    if delivery.status == DeliveryStatus.DELIVERED and delivery.channel == DeliveryChannel.PLATFORM:
        return delivery  # the UPD records it
    if delivery.copy_opened_at is None:
        Delivery.objects.filter(pk=delivery.pk).update(copy_opened_at=now)
        delivery.copy_opened_at = now
        audit.record(
            actor=user,
            action="documents.delivery.copy_opened",
            target=delivery,
            after={"channel": delivery.channel, "letter": str(letter.public_id)},
        )
        case_event(
            case=letter.case,
            action="delivery_copy_opened",
            params={"title": letter.title, "addressee": delivery.recipient_name},
            actor=user,
            document_ref=str(delivery.public_id),
        )
    return delivery


def _pdf(receipt_id: int) -> None:
    from ...dispatch import dispatch_receipt_pdf

    dispatch_receipt_pdf(receipt_id)


__all__ = [
    "delivery_record_collection",
    "letter_release",
    "paper_receipt_record",
]
