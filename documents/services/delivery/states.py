"""The one transition function of the delivery state machine.

pending -> sent (handed to e-Doręczenia or the post) | available (platform) | failed
sent -> available (arrived in the e-Doręczenia box) | delivered | deemed (paper returned)
available -> second_notice (platform) | delivered | deemed
second_notice -> delivered | deemed
failed -> pending (sent again)

Every change is locked, checked, audited and written into the case history in the caller's
transaction; a change that is not allowed raises ``DeliveryRefused`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from sekap import audit

from ...errors import DeliveryRefused
from ...models import Delivery, DeliveryStatus
from ..history import case_event

S = DeliveryStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SENT, S.AVAILABLE, S.FAILED}),
    S.SENT: frozenset({S.AVAILABLE, S.DELIVERED, S.DEEMED}),
    S.AVAILABLE: frozenset({S.SECOND_NOTICE, S.DELIVERED, S.DEEMED}),
    S.SECOND_NOTICE: frozenset({S.DELIVERED, S.DEEMED}),
    S.FAILED: frozenset({S.PENDING}),
    S.DELIVERED: frozenset(),
    S.DEEMED: frozenset(),
}

# the case history line written on entering a status (documents.texts.EVENT_TEXTS)
_EVENT = {
    S.SENT: "delivery_sent",
    S.AVAILABLE: "delivery_available",
    S.SECOND_NOTICE: "delivery_second_notice",
    S.DELIVERED: "delivery_delivered",
    S.DEEMED: "delivery_deemed",
    S.FAILED: "delivery_failed",
}

_TIMESTAMPS = (
    "dispatched_at",
    "arrived_at",
    "first_notice_at",
    "second_notice_at",
    "collected_at",
    "deemed_at",
    "returned_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bytes | memoryview):
        return None
    return value


@transaction.atomic
def delivery_transition(
    *, delivery: Delivery, to: str, actor=None, reason: str = "", **changes: Any
) -> Delivery:
    """Move ``delivery`` to status ``to`` and set ``changes`` (timestamps, rule, date, proofs,
    ``due_at``) on the locked row. Returns the fresh row."""
    row = (
        Delivery.objects.select_for_update()
        .select_related("letter", "letter__case")
        .get(pk=delivery.pk)
    )
    if to not in ALLOWED[row.status]:
        raise DeliveryRefused()
    before = {"status": row.status, **{k: _plain(getattr(row, k)) for k in changes}}
    row.status = to
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(update_fields=["status", *changes])
    after = {"status": to, **{k: _plain(v) for k, v in changes.items() if _plain(v) is not None}}
    if reason:
        after["reason"] = reason
    audit.record(actor=actor, action=f"documents.delivery.{to}", target=row, before=before,
                 after=after)  # fmt: skip
    letter = row.letter
    params = {
        "title": letter.title,
        "addressee": row.recipient_name,
        "channel": row.channel,
        "date": row.delivered_on.isoformat() if row.delivered_on else "",
        "rule": row.rule,
    }
    action = _EVENT[to]
    if to == S.DELIVERED and row.channel == "platform":
        action = "delivered"  # opened in the inbox: "received the letter (UPD)"
    case_event(
        case=letter.case,
        action=action,
        params=params,
        actor=actor,
        document_ref=str(row.public_id),
    )
    return row


__all__ = ["ALLOWED", "delivery_transition"]
