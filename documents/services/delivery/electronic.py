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

from sekap.storage import StoredBytes

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


TASK = "task:"  # provider_ref while the operator's message task has not named the message yet


def _submit(delivery: Delivery) -> str:
    letter = delivery.letter
    return edoreczenia.submit(
        edoreczenia.Outgoing(
            sender=_sender(delivery),
            recipient_ade=delivery.ade,
            subject=f"{letter.case.sign}: {letter.title}"[:250],
            document=bytes(letter.xml),
            document_name=f"pismo-{letter.public_id}.xml",
            case_sign=letter.case.sign,
        )
    )


def _stored(evidence: edoreczenia.Evidence) -> StoredBytes:
    """The evidence in object storage, before the transaction that records it."""
    return Delivery._meta.get_field("receipt_proof").store(evidence.xml)


def _apply(delivery: Delivery, evidence: edoreczenia.Evidence, status: str) -> Delivery:
    """Record one evidence; ``status`` is the message's ``messageControlData.status``, which
    tells a dowód otrzymania after collection from one after the 14 days (art. 41-42 UDE)."""
    sha = hashlib.sha256(evidence.xml).hexdigest()
    code, at = evidence.type, evidence.event_time
    if code == edoreczenia.SUBMISSION_ACCEPTANCE and delivery.status == DeliveryStatus.PENDING:
        return delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.SENT,
            dispatched_at=at,
            sending_proof=_stored(evidence),
            sending_proof_sha256=sha,
        )
    if code == edoreczenia.CONTENT_CONSIGNMENT and delivery.status == DeliveryStatus.SENT:
        return delivery_transition(delivery=delivery, to=DeliveryStatus.AVAILABLE, arrived_at=at)
    if delivery.status not in OPEN or delivery.arrived_at is None:
        return delivery
    if code == edoreczenia.CONTENT_HANDOVER and status == edoreczenia.STATUS_DELIVERED:
        return delivery_record_collection(delivery=delivery, at=at, proof=_stored(evidence))
    if code == edoreczenia.CONTENT_HANDOVER and status == edoreczenia.STATUS_DEEMED:
        return delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DEEMED,
            deemed_at=at,
            delivered_on=ude_deemed_on(arrived_on=timezone.localdate(delivery.arrived_at)),
            rule=DeliveryRule.UDE_DEEMED,
            receipt_proof=_stored(evidence),
            receipt_proof_sha256=sha,
        )
    return delivery


def _message_id(delivery: Delivery) -> str | None:
    """Send the message once, then learn its id from the operator's message task: the task id
    is stored before anything else happens, so a retry never sends a second message."""
    if not delivery.provider_ref:
        task = _submit(delivery)
        Delivery.objects.filter(pk=delivery.pk, provider_ref="").update(provider_ref=TASK + task)
        delivery.refresh_from_db()
    if delivery.provider_ref.startswith(TASK):
        task = delivery.provider_ref.removeprefix(TASK)
        found = edoreczenia.task_message_id(task, client=_sender(delivery))
        if found is None:
            return None
        Delivery.objects.filter(pk=delivery.pk, provider_ref=delivery.provider_ref).update(
            provider_ref=found
        )
        delivery.refresh_from_db()
    return delivery.provider_ref


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
        message_id = _message_id(delivery)
        if message_id is None:  # the operator is still processing the task: look again soon
            Delivery.objects.filter(pk=delivery.pk).update(
                due_at=timezone.now() + retry_after(0), attempts=0
            )
            delivery.refresh_from_db()
            return delivery
        found = edoreczenia.evidences(message_id, client=_sender(delivery))
        codes = {e.type for e in found}
        if edoreczenia.SUBMISSION_REJECTION in codes and delivery.status == DeliveryStatus.PENDING:
            raise edoreczenia.Rejected("the service rejected the submission (A.2)")
        status = ""
        if edoreczenia.CONTENT_HANDOVER in codes:
            status = edoreczenia.message_status(message_id, client=_sender(delivery))
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
            delivery = _apply(delivery, evidence, status)
        except DeliveryRefused:  # a concurrent run recorded it first
            delivery.refresh_from_db()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=_next_look(delivery), attempts=0)
    delivery.refresh_from_db()
    return delivery


__all__ = ["edoreczenia_sync"]
