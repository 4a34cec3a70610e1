"""Reads of the payments app for the portal, the back office and other apps."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Payment, PaymentOrder, PaymentStatus


def orders_of_payer(*, payer: Any) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(payer=payer).select_related("office", "account")


def orders_for_subject(*, subject_ref: str) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(subject_ref=subject_ref).select_related("account")


def order_of_payer(*, payer: Any, public_id: Any) -> PaymentOrder | None:
    """The order if ``payer`` owns it, else None (another citizen's order is not found)."""
    return orders_of_payer(payer=payer).filter(public_id=public_id).first()


def order_by_virtual_account(*, account: str) -> PaymentOrder | None:
    return PaymentOrder.objects.filter(virtual_account=account).first()


def receipts_of_order(*, order: PaymentOrder) -> QuerySet[Payment]:
    return order.payments.filter(status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED])


def orders_for_case(*, office_id: int, case_sign: str) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(office_id=office_id, case_sign=case_sign).select_related(
        "account"
    )


def payment_of_payer(*, payer: Any, public_id: Any) -> Payment | None:
    """A payment of one of ``payer``'s orders, else None."""
    return (
        Payment.objects.filter(order__payer=payer, public_id=public_id)
        .select_related("order__account", "order__payer")
        .first()
    )
