"""Payments of an order: starting one at a gateway, applying what the gateway says (by
notification, on return or by polling), transfers found on a statement, and refunds.

Gateway calls are made outside any transaction; what they return is applied in a short
transaction under the payment's row lock, so concurrent notices settle an order once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from sekap import audit
from sekap.errors import NotAllowed

from ..errors import GatewayUnavailable, WrongOrderState
from ..gateways import gateway
from ..gateways.base import GatewayError, Notice
from ..models import (
    Channel,
    NotificationVerdict,
    OrderStatus,
    Payment,
    PaymentOrder,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from .orders import order_transition

V = NotificationVerdict
P = PaymentStatus
ACTIVE = (P.STARTED, P.PENDING)


def paid_grosze(order: PaymentOrder) -> int:
    total = order.payments.filter(status=P.PAID).aggregate(total=Sum("amount_grosze"))["total"]
    return int(total or 0)


def _settle(order: PaymentOrder, *, reason: str) -> None:
    if paid_grosze(order) >= order.amount_grosze and order.status != OrderStatus.PAID:
        order_transition(order=order, to=OrderStatus.PAID, reason=reason)


def _receipt_number(payment: Payment, moment: dt.datetime) -> str:
    return f"SEKAP/{timezone.localtime(moment).year}/{payment.pk:08d}"


def payment_start(
    *, order: PaymentOrder, payer: Any, gateway_name: str, return_url: str, notify_url: str
) -> Payment:
    """Start paying ``order`` at ``gateway_name``; the payer goes to ``redirect_url`` next."""
    if order.payer_id != getattr(payer, "pk", None):
        raise NotAllowed()
    adapter = gateway(gateway_name)
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if not order.is_open:
            raise WrongOrderState()
        due = order.amount_grosze - paid_grosze(order)
        payment = Payment.objects.create(
            order=order, channel=Channel.GATEWAY, gateway=gateway_name, amount_grosze=due
        )
    try:
        started = adapter.start(
            payment=payment, order=order, return_url=return_url, notify_url=notify_url
        )
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk).update(status=P.FAILED)
        raise GatewayUnavailable() from exc
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            external_id=started.external_id, redirect_url=started.redirect_url
        )
        order_transition(order=order, to=OrderStatus.PENDING, actor=payer, reason=gateway_name)
        audit.record(
            actor=payer,
            action="payments.payment_started",
            target=order,
            after={"gateway": gateway_name, "payment": str(payment.public_id)},
        )
    payment.refresh_from_db()
    return payment


def _others_active(payment: Payment) -> bool:
    return (
        Payment.objects.filter(order_id=payment.order_id, status__in=ACTIVE)
        .exclude(pk=payment.pk)
        .exists()
    )


@transaction.atomic
def payment_apply(*, gateway_name: str, notice: Notice, source: str) -> tuple[str, Payment | None]:
    """Apply what the gateway says about one payment. Returns the verdict and the payment.

    Paid is final (a later failed or pending notice is stale); failed then paid is honoured;
    the amount and currency must be the payment's, or nothing changes."""
    payment = (
        Payment.objects.select_for_update()
        .filter(public_id=_uuid_or_none(notice.reference), gateway=gateway_name)
        .first()
    )
    if payment is None:
        return V.UNKNOWN, None
    if notice.amount_grosze != payment.amount_grosze or notice.currency != "PLN":
        return V.WRONG_AMOUNT, payment
    if notice.external_id and payment.external_id and notice.external_id != payment.external_id:
        return V.UNKNOWN, payment
    current = payment.status
    if current in (P.PAID, P.REFUNDED):
        return (V.DUPLICATE if notice.status == "paid" else V.STALE), payment
    if notice.status == current:
        return V.DUPLICATE, payment
    order = PaymentOrder.objects.select_for_update().get(pk=payment.order_id)
    now = timezone.now()
    if notice.status == "paid":
        payment.status = P.PAID
        payment.settled_at = now
        payment.receipt_number = _receipt_number(payment, now)
        payment.save(update_fields=["status", "settled_at", "receipt_number"])
        _settle(order, reason=f"{gateway_name} {source}")
    elif notice.status == "pending":
        if current != P.STARTED:
            return V.STALE, payment
        payment.status = P.PENDING
        payment.save(update_fields=["status"])
    elif notice.status in ("failed", "abandoned"):
        if current not in ACTIVE:
            return V.STALE, payment
        payment.status = P.FAILED if notice.status == "failed" else P.ABANDONED
        payment.save(update_fields=["status"])
        if order.status == OrderStatus.PENDING and not _others_active(payment):
            to = OrderStatus.FAILED if notice.status == "failed" else OrderStatus.NEW
            order_transition(order=order, to=to, reason=f"{gateway_name} {source}")
    else:
        return V.MALFORMED, payment
    payment.last_checked_at = now
    payment.save(update_fields=["last_checked_at"])
    audit.record(
        action="payments.payment_status",
        target=payment,
        before={"status": current},
        after={"status": payment.status, "source": source, "gateway": gateway_name},
    )
    return V.ACCEPTED, payment


def _uuid_or_none(text: str):
    import uuid

    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def payment_refresh(*, payment: Payment) -> str:
    """Ask the gateway for the payment's state (the return page and the beat job): the
    browser's return is never taken as proof."""
    try:
        notice = gateway(payment.gateway).retrieve(payment=payment)
    except GatewayError:
        return "unavailable"
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
    if notice is None:
        return V.UNKNOWN
    verdict, _ = payment_apply(gateway_name=payment.gateway, notice=notice, source="retrieve")
    return verdict


def payments_poll(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Beat job: re-ask the gateways about payments still started or pending (a lost
    notification must not leave a paid order pending)."""
    now = timezone.now()
    stale = Payment.objects.filter(
        channel=Channel.GATEWAY,
        status__in=ACTIVE,
        created_at__lte=now - older_than,
        created_at__gte=now - dt.timedelta(days=7),
    ).order_by("created_at")[:500]
    checked = 0
    for payment in stale:
        payment_refresh(payment=payment)
        checked += 1
    return checked


@transaction.atomic
def transfer_record(
    *,
    order: PaymentOrder,
    amount_grosze: int,
    external_id: str,
    payer_name: str = "",
    payer_account: str = "",
    booked_at: dt.datetime | None = None,
    actor: Any = None,
) -> tuple[Payment, bool]:
    """A credit for ``order`` found on a bank statement (or paid at the cash desk):
    idempotent by ``external_id`` (the statement line's reference). Returns the payment and
    whether it was created. The order is settled when its payments cover its amount."""
    if not isinstance(amount_grosze, int) or amount_grosze <= 0:
        raise ValueError("amount_grosze must be a positive whole number of grosze")
    found = Payment.objects.filter(
        channel=Channel.TRANSFER, gateway="", external_id=external_id
    ).first()
    if found is not None:
        return found, False
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    moment = booked_at or timezone.now()
    payment = Payment.objects.create(
        order=order,
        channel=Channel.TRANSFER,
        external_id=external_id[:100],
        amount_grosze=amount_grosze,
        status=P.PAID,
        payer_name=payer_name[:200],
        payer_account=payer_account[:34],
        settled_at=moment,
    )
    payment.receipt_number = _receipt_number(payment, moment)
    payment.save(update_fields=["receipt_number"])
    audit.record(
        actor=actor,
        action="payments.transfer_recorded",
        target=payment,
        after={"order": order.pk, "amount_grosze": amount_grosze, "reference": external_id},
    )
    _settle(order, reason="transfer")
    return payment, True


def refund_request(
    *, payment: Payment, amount_grosze: int, reason: str, key: str, actor: Any = None
) -> Refund:
    """Give ``amount_grosze`` of a gateway payment back (idempotent by ``key``); a full refund
    moves the order to ``refunded``. Transfers are refunded by the accounting system: the
    refund stays ``requested`` for its export."""
    with transaction.atomic():
        refund, created = Refund.objects.get_or_create(
            idempotency_key=key,
            defaults={"payment": payment, "amount_grosze": amount_grosze, "reason": reason[:300]},
        )
        if not created or payment.channel != Channel.GATEWAY:
            return refund
        if payment.status != P.PAID or amount_grosze > payment.amount_grosze:
            raise WrongOrderState()
        audit.record(
            actor=actor,
            action="payments.refund_requested",
            target=payment,
            after={"amount_grosze": amount_grosze, "reason": reason[:200]},
        )
    try:
        external_id = gateway(payment.gateway).refund(
            payment=payment, amount_grosze=amount_grosze, key=key
        )
    except GatewayError:
        Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)
        raise GatewayUnavailable() from None
    with transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(
            status=RefundStatus.DONE, external_id=external_id, done_at=timezone.now()
        )
        if amount_grosze == payment.amount_grosze:
            Payment.objects.filter(pk=payment.pk).update(status=P.REFUNDED)
            order_transition(
                order=payment.order, to=OrderStatus.REFUNDED, actor=actor, reason=reason
            )
    refund.refresh_from_db()
    return refund
