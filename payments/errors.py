"""Errors of the payments app: stable codes for programs, messages for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError, NotAllowed


class PaymentError(DomainError):
    code = "payments.error"
    message = _("The payment operation could not be completed.")


class WrongOrderState(PaymentError):
    code = "payments.wrong_state"
    message = _("The payment order is not in a state that allows this.")
    status = 409


class OrderConflict(PaymentError):
    code = "payments.idempotency_conflict"
    message = _("A payment order with this key exists with other data.")
    status = 409


class NoFeeAccount(PaymentError):
    code = "payments.no_account"
    message = _("The office has not given its account for this fee yet.")


class GatewayUnavailable(PaymentError):
    code = "payments.gateway_unavailable"
    message = _("The payment service does not answer. Try again in a moment or pay by transfer.")
    status = 503


class NotificationRefused(PaymentError):
    code = "payments.notification_refused"
    message = _("The notification was refused.")


__all__ = [
    "GatewayUnavailable",
    "NoFeeAccount",
    "NotAllowed",
    "NotificationRefused",
    "OrderConflict",
    "PaymentError",
    "WrongOrderState",
]
