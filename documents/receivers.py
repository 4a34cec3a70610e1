"""Receivers of lower apps' signals: thin, each calls one documents service."""

from __future__ import annotations


def payments_settled(sender, *, orders: tuple[tuple[int, str], ...], **_kwargs) -> None:
    from .services.fees import fees_paid_record

    fees_paid_record(orders=orders)


def payment_overdue(sender, *, order_id: int, subject_ref: str, due_on, **_kwargs) -> None:
    from .services.fee_effects import fee_call_to_pay

    fee_call_to_pay(order_id=order_id, subject_ref=subject_ref, due_on=due_on)


def payment_expired(sender, *, order_id: int, subject_ref: str, **_kwargs) -> None:
    from .services.fee_effects import fee_application_return

    fee_application_return(order_id=order_id, subject_ref=subject_ref)
