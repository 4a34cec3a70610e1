"""Public services of the payments app (writes); reads are in ``payments.selectors``."""

from .accounts import fee_account_for, nrb, sort_code_check_digit, virtual_account
from .notifications import Outcome, notification_accept
from .orders import (
    TRANSITIONS,
    fee_orders_issue,
    order_call_delivered,
    order_call_record,
    order_create,
    order_title,
    order_transition,
    orders_case_sign_set,
    orders_overdue_sweep,
    orders_transition,
)
from .settlement import (
    paid_grosze,
    payment_apply,
    payment_refresh,
    payment_start,
    payments_poll,
    refund_request,
    transfer_record,
)
from .tariff import Assessment, FeeLine, fee_assessment, tariff_item_on

__all__ = [
    "TRANSITIONS",
    "Assessment",
    "FeeLine",
    "Outcome",
    "fee_account_for",
    "fee_assessment",
    "fee_orders_issue",
    "notification_accept",
    "nrb",
    "order_call_delivered",
    "order_call_record",
    "order_create",
    "order_title",
    "order_transition",
    "orders_case_sign_set",
    "orders_overdue_sweep",
    "orders_transition",
    "paid_grosze",
    "payment_apply",
    "payment_refresh",
    "payment_start",
    "payments_poll",
    "refund_request",
    "sort_code_check_digit",
    "tariff_item_on",
    "transfer_record",
    "virtual_account",
]
