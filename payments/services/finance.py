"""A finance clerk's decisions: unmatched statement credits and refunds.

- ``credit_assign``: a credit the matcher could not place is applied to an order of the same
  account (``transfer_record``: a transfer payment, the order settled when covered); what
  exceeds the order is recorded as a surplus to refund.
- ``credit_dismiss``: a credit that pays no order (another income of the account) leaves the
  queue with the clerk's note.
- ``order_refund``: a paid order whose application was returned (or the act not performed,
  ustawa o opłacie skarbowej art. 9) is refunded: each payment through ``refund_request``
  (a gateway payment at the gateway; a transfer stays requested, to be sent by bank transfer),
- ``refund_sent``: the finance clerk confirms that a requested transfer refund was sent; the
  order becomes ``refunded`` once everything paid for it went back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sekap import audit

from ..errors import PaymentError, WrongOrderState
from ..models import (
    CreditState,
    MatchRule,
    OrderStatus,
    PaymentOrder,
    PaymentStatus,
    Refund,
    RefundStatus,
    StatementCredit,
)
from .orders import order_transition
from .settlement import paid_grosze, refund_request, transfer_record

SURPLUS_REASON = "surplus of a bank transfer (overpayment)"


class CreditResolved(PaymentError):
    code = "payments.credit_resolved"
    message = _("This credit has already been dealt with.")
    status = 409


class OrderOfAnotherAccount(PaymentError):
    code = "payments.credit_other_account"
    message = _("The order is payable to another account than the one credited.")


class RefundNotOpen(PaymentError):
    code = "payments.refund_not_open"
    message = _("Only a requested refund of a bank transfer can be confirmed as sent.")
    status = 409


def _locked_unmatched(credit: StatementCredit) -> StatementCredit:
    credit = StatementCredit.objects.select_for_update().get(pk=credit.pk)
    if credit.state != CreditState.UNMATCHED:
        raise CreditResolved()
    return credit


@transaction.atomic
def credit_assign(*, credit: StatementCredit, order: PaymentOrder, actor: Any) -> StatementCredit:
    """Apply an unmatched credit to ``order`` (which must be payable to the credited account)."""
    credit = _locked_unmatched(credit)
    order = PaymentOrder.objects.select_related("account").get(pk=order.pk)
    if order.account.iban != f"PL{credit.account}":
        raise OrderOfAnotherAccount()
    if order.status == OrderStatus.REFUNDED:
        raise WrongOrderState()
    before = paid_grosze(order)
    already_paid = order.status == OrderStatus.PAID
    payment, _created = transfer_record(
        order=order,
        amount_grosze=credit.amount_grosze,
        external_id=f"{credit.account}:{credit.key}",
        payer_name=credit.counterparty_name,
        payer_account=credit.counterparty_account,
        actor=actor,
    )
    if already_paid:
        surplus = credit.amount_grosze
    else:
        surplus = max(0, before + credit.amount_grosze - max(before, order.amount_grosze))
    credit.state, credit.matched_by = CreditState.ASSIGNED, MatchRule.CLERK
    credit.order, credit.payment, credit.surplus_grosze = order, payment, surplus
    credit.resolved_by, credit.resolved_at = actor, timezone.now()
    credit.save(
        update_fields=[
            "state",
            "matched_by",
            "order",
            "payment",
            "surplus_grosze",
            "resolved_by",
            "resolved_at",
        ]
    )
    if surplus:
        Refund.objects.get_or_create(
            idempotency_key=f"surplus:{payment.external_id}",
            defaults={"payment": payment, "amount_grosze": surplus, "reason": SURPLUS_REASON},
        )
    audit.record(
        actor=actor,
        action="payments.credit_assigned",
        target=credit,
        after={"order": order.pk, "amount_grosze": credit.amount_grosze, "surplus": surplus},
    )
    return credit


@transaction.atomic
def credit_dismiss(*, credit: StatementCredit, note: str, actor: Any) -> StatementCredit:
    credit = _locked_unmatched(credit)
    credit.state, credit.note = CreditState.DISMISSED, note.strip()[:300]
    credit.resolved_by, credit.resolved_at = actor, timezone.now()
    credit.save(update_fields=["state", "note", "resolved_by", "resolved_at"])
    audit.record(
        actor=actor, action="payments.credit_dismissed", target=credit, after={"note": credit.note}
    )
    return credit


def order_refund(*, order: PaymentOrder, reason: str, actor: Any) -> list[Refund]:
    """Give back everything paid for ``order`` (idempotent: one refund per payment)."""
    if order.status != OrderStatus.PAID:
        raise WrongOrderState()
    audit.record(
        actor=actor, action="payments.order_refund", target=order, after={"reason": reason[:200]}
    )
    refunds = []
    for payment in order.payments.filter(status=PaymentStatus.PAID).order_by("pk"):
        refunds.append(
            refund_request(
                payment=payment,
                amount_grosze=payment.amount_grosze,
                reason=reason,
                key=f"return:{payment.pk}",
                actor=actor,
            )
        )
    return refunds


@transaction.atomic
def refund_sent(*, refund: Refund, actor: Any) -> Refund:
    """A requested transfer refund has been sent from the account by the office's bank."""
    refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
    if refund.status != RefundStatus.REQUESTED or refund.payment.channel != "transfer":
        raise RefundNotOpen()
    refund.status, refund.done_at = RefundStatus.DONE, timezone.now()
    refund.save(update_fields=["status", "done_at"])
    audit.record(
        actor=actor,
        action="payments.refund_sent",
        target=refund.payment,
        after={"refund": refund.pk, "amount_grosze": refund.amount_grosze},
    )
    payment = refund.payment
    returned = (
        payment.refunds.filter(status=RefundStatus.DONE)
        .exclude(reason=SURPLUS_REASON)
        .aggregate(total=Sum("amount_grosze"))["total"]
        or 0
    )
    if returned >= payment.amount_grosze:
        payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["status"])
    order = payment.order
    if (
        order.status == OrderStatus.PAID
        and not order.payments.filter(status=PaymentStatus.PAID).exists()
    ):
        order_transition(order=order, to=OrderStatus.REFUNDED, actor=actor, reason=refund.reason)
    return refund
