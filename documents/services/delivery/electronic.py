"""Keeping an e-Doręczenia delivery in step with the operator: send it once, then read the
evidence the operator publishes and record each step (sent, arrived, collected or deemed
delivered), storing every proof as the exact signed bytes received.

Runs outside any transaction (HTTP); each recorded step is its own locked transition.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.utils import timezone

from ...errors import DeliveryRefused, DeliveryUnavailable
from ...models import Delivery, DeliveryChannel, DeliveryRule, DeliveryStatus
from . import edoreczenia
from .collection import OPEN, delivery_record_collection
from .rules import start_of, ude_deemed_on
from .states import delivery_transition

FINAL = (DeliveryStatus.DELIVERED, DeliveryStatus.DEEMED, DeliveryStatus.FAILED)
MAX_ATTEMPTS = 12


def poll_interval() -> dt.timedelta:
    """How often a message waiting in the addressee's box is checked for collection."""
    return dt.timedelta(minutes=int(getattr(settings, "DOCUMENTS_EDORECZENIA_POLL_MINUTES", 15)))


def retry_after(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2**attempts, 240))


def _sender(delivery: Delivery) -> edoreczenia.OfficeClient:
    """The sending office as the operator's client: its electronic delivery address (its
    client id there) and its seal (which signs its login)."""
    office = delivery.office
    return edoreczenia.OfficeClient(
        client_id=getattr(office, "ade", "") or office.esp_address,
        terc=office.terc,
        name=office.name,
    )


def _send(delivery: Delivery) -> str:
    letter = delivery.letter
    return edoreczenia.send(
        edoreczenia.Outgoing(
            correlation_id=str(delivery.public_id),
            sender=_sender(delivery),
            recipient_ade=delivery.ade,
            subject=f"{letter.case.sign}: {letter.title}"[:250],
            document=bytes(letter.xml),
            document_name=f"pismo-{letter.public_id}.xml",
        )
    )


def _apply(delivery: Delivery, evidence: edoreczenia.Evidence) -> Delivery:
    sha = hashlib.sha256(evidence.xml).hexdigest()
    event, at = evidence.event, evidence.event_time
    if event == edoreczenia.SUBMISSION_ACCEPTANCE and delivery.status == DeliveryStatus.PENDING:
        return delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.SENT,
            dispatched_at=at,
            sending_proof=evidence.xml,
            sending_proof_sha256=sha,
        )
    if event == edoreczenia.CONTENT_CONSIGNMENT and delivery.status == DeliveryStatus.SENT:
        return delivery_transition(delivery=delivery, to=DeliveryStatus.AVAILABLE, arrived_at=at)
    if delivery.status not in OPEN or delivery.arrived_at is None:
        return delivery
    if event == edoreczenia.CONTENT_HANDOVER:
        return delivery_record_collection(delivery=delivery, at=at, proof=evidence.xml)
    if event == edoreczenia.DEEMED_HANDOVER:
        return delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DEEMED,
            deemed_at=at,
            delivered_on=ude_deemed_on(arrived_on=timezone.localdate(delivery.arrived_at)),
            rule=DeliveryRule.UDE_DEEMED,
            receipt_proof=evidence.xml,
            receipt_proof_sha256=sha,
        )
    return delivery


def _next_look(delivery: Delivery) -> dt.datetime | None:
    if delivery.status in FINAL:
        return None
    look = timezone.now() + poll_interval()
    if delivery.arrived_at is not None:
        deemed = start_of(ude_deemed_on(arrived_on=timezone.localdate(delivery.arrived_at)))
        look = min(look, max(deemed, timezone.now()))
    return look


def edoreczenia_sync(*, delivery_id: int) -> Delivery:
    """Send the delivery if it was not sent yet, then record what the operator says happened.
    Safe to run any number of times. Raises ``DeliveryUnavailable`` when the service does not
    answer (the row stays due a little later)."""
    delivery = Delivery.objects.select_related("letter", "letter__case", "office").get(
        pk=delivery_id
    )
    if delivery.channel != DeliveryChannel.EDORECZENIA or delivery.status in FINAL:
        return delivery
    try:
        if not delivery.provider_ref:
            ref = _send(delivery)
            Delivery.objects.filter(pk=delivery.pk, provider_ref="").update(provider_ref=ref)
            delivery.refresh_from_db()
        found = edoreczenia.evidences(delivery.provider_ref, client=_sender(delivery))
    except edoreczenia.Rejected as exc:
        return delivery_transition(
            delivery=delivery, to=DeliveryStatus.FAILED, last_error=str(exc)[:300], due_at=None,
            reason="rejected by the e-Doręczenia service",
        )  # fmt: skip
    except DeliveryUnavailable:
        attempts = delivery.attempts + 1
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            last_error="e-Doręczenia unavailable",
            due_at=timezone.now() + retry_after(attempts),
        )
        raise
    for evidence in found:
        try:
            delivery = _apply(delivery, evidence)
        except DeliveryRefused:  # a concurrent run recorded it first
            delivery.refresh_from_db()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=_next_look(delivery), attempts=0)
    delivery.refresh_from_db()
    return delivery


__all__ = ["edoreczenia_sync"]
