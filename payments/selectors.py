"""Reads of the payments app for the portal, the back office and other apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from offices.models import FeeKind, Office, Service, StaffRole
from offices.selectors import memberships_active

from .models import (
    OPEN_STATUSES,
    CreditState,
    FeeAccount,
    FeeRule,
    OrderStatus,
    Payment,
    PaymentOrder,
    PaymentStatus,
    Refund,
    StatementCredit,
    TariffItem,
)
from .services.tariff import POWER_OF_ATTORNEY

PAID_OR_REFUNDED = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


def orders_of_payer(*, payer: Any) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(payer=payer).select_related("office", "account")


def orders_for_subject(*, subject_ref: str) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(subject_ref=subject_ref).select_related("account")


def subjects_with_orders(*, subject_refs: Iterable[str]) -> set[str]:
    """Which of ``subject_refs`` have orders (one query for a batch of applications)."""
    orders = PaymentOrder.objects.filter(subject_ref__in=list(subject_refs))
    return set(orders.order_by().values_list("subject_ref", flat=True).distinct())


def orders_call_undelivered() -> QuerySet[PaymentOrder]:
    """Open orders whose call to pay was sent but is not known to be delivered yet."""
    return PaymentOrder.objects.filter(
        status__in=OPEN_STATUSES,
        called_to_pay_at__isnull=False,
        call_delivered_on__isnull=True,
    ).exclude(call_ref="")


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


# --- finance: bank statements, totals, export, refunds (back office) -------------------------

FINANCE_ROLES = (StaffRole.FINANCE, StaffRole.OFFICE_ADMIN)


def finance_office(*, user: Any, terc: str) -> Office | None:
    """The office if ``user`` keeps its fee accounts (a finance clerk or the office's
    administrator, or a superuser); ``None`` otherwise, also for an unknown office."""
    office = Office.objects.filter(terc=terc).first()
    if office is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return office
    allowed = memberships_active(user=user).filter(office=office, role__in=FINANCE_ROLES)
    return office if allowed.exists() else None


def office_accounts(*, office: Office) -> list[str]:
    """The NRB digits of the office's fee accounts (statement credits name them so)."""
    ibans = FeeAccount.objects.filter(office=office).values_list("iban", flat=True)
    return sorted({iban[2:] for iban in ibans})


def credits_to_match(*, office: Office) -> QuerySet[StatementCredit]:
    """Unmatched credits on the office's fee accounts, oldest first."""
    return (
        StatementCredit.objects.filter(
            state=CreditState.UNMATCHED, account__in=office_accounts(office=office)
        )
        .select_related("statement")
        .order_by("value_date", "pk")
    )


def office_payments(*, office: Office) -> QuerySet[Payment]:
    return Payment.objects.filter(order__office=office, status__in=PAID_OR_REFUNDED)


def daily_totals(*, office: Office, month: dt.date) -> list[dict]:
    """Per day of ``month`` (Europe/Warsaw): count and grosze of payments settled, by kind."""
    start = dt.date(month.year, month.month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    rows = (
        office_payments(office=office)
        .filter(settled_at__date__gte=start, settled_at__date__lt=end)
        .annotate(day=TruncDate("settled_at"))
        .values("day", "order__fee_type")
        .annotate(count=Count("pk"), total=Sum("amount_grosze"))
        .order_by("day", "order__fee_type")
    )
    return list(rows)


def monthly_totals(*, office: Office, year: int) -> list[dict]:
    rows = (
        office_payments(office=office)
        .filter(settled_at__year=year)
        .annotate(month=TruncMonth("settled_at"))
        .values("month", "order__fee_type")
        .annotate(count=Count("pk"), total=Sum("amount_grosze"))
        .order_by("month", "order__fee_type")
    )
    return list(rows)


def payments_for_export(*, office: Office, start: dt.date, end: dt.date) -> QuerySet[Payment]:
    """Payments settled from ``start`` to ``end`` inclusive, for the accounting export."""
    return (
        office_payments(office=office)
        .filter(settled_at__date__gte=start, settled_at__date__lte=end)
        .select_related("order", "order__account", "statement_credit")
        .order_by("settled_at", "pk")
    )


def office_refunds(*, office: Office) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(payment__order__office=office)
        .select_related("payment", "payment__order")
        .order_by("status", "-created_at", "-pk")
    )


def credit_to_match(*, office: Office, pk: int) -> StatementCredit | None:
    return credits_to_match(office=office).filter(pk=pk).first()


def _orders_by_reference(orders: QuerySet[PaymentOrder], reference: str, amount: int | None):
    compact = "".join(reference.split()).upper()
    digits = compact[2:] if compact.startswith("PL") else compact
    if len(digits) == 26 and digits.isdigit():
        return orders.filter(virtual_account=f"PL{digits}").first()
    found = list(orders.filter(case_sign__iexact=compact))
    if len(found) == 1:
        return found[0]
    open_orders = [order for order in found if order.is_open]
    exact = [order for order in open_orders if amount is not None and order.amount_grosze == amount]
    if len(exact) == 1:
        return exact[0]
    return open_orders[0] if len(open_orders) == 1 else None


def order_for_credit(*, credit: StatementCredit, reference: str) -> PaymentOrder | None:
    """The order a clerk names for a credit: by virtual account or case sign, among the orders
    payable to the credited account."""
    orders = PaymentOrder.objects.filter(account__iban=f"PL{credit.account}")
    return _orders_by_reference(orders, reference, credit.amount_grosze)


def office_order(*, office: Office, reference: str) -> PaymentOrder | None:
    """A paid order of the office named by virtual account or case sign."""
    orders = PaymentOrder.objects.filter(office=office, status=OrderStatus.PAID)
    return _orders_by_reference(orders, reference, None)


def totals_table(rows: list[dict], *, key: str, kinds: list[str]) -> dict:
    """Rows of (period, kind, count, total) as one line per period with a cell per kind (in
    the order of ``kinds``; ``None`` where nothing was paid)."""
    lines: dict = {}
    for row in rows:
        line = lines.setdefault(
            row[key], {"period": row[key], "by_kind": {}, "count": 0, "total": 0}
        )
        line["by_kind"][row["order__fee_type"]] = {"count": row["count"], "total": row["total"]}
        line["count"] += row["count"]
        line["total"] += row["total"]
    for line in lines.values():
        line["cells"] = [line["by_kind"].get(kind) for kind in kinds]
    return {
        "lines": list(lines.values()),
        "count": sum(line["count"] for line in lines.values()),
        "total": sum(line["total"] for line in lines.values()),
    }


def export_rows(*, office: Office, start: dt.date, end: dt.date) -> Iterator[dict]:
    """The accounting export: one row per payment settled in the period (money received)."""
    for payment in payments_for_export(office=office, start=start, end=end).iterator(2000):
        order = payment.order
        credit = getattr(payment, "statement_credit", None)
        yield {
            "receipt_number": payment.receipt_number,
            "settled_on": timezone.localtime(payment.settled_at).date().isoformat(),
            "fee_type": order.fee_type,
            "account": order.account.iban,
            "virtual_account": order.virtual_account or "",
            "order": str(order.public_id),
            "case_sign": order.case_sign,
            "title": order.title,
            "payer": payment.payer_name,
            "payer_account": payment.payer_account,
            "channel": payment.channel,
            "gateway": payment.gateway,
            "bank_reference": credit.bank_reference if credit is not None else payment.external_id,
            "amount_grosze": payment.amount_grosze,
            "amount_pln": f"{payment.amount_grosze // 100}.{payment.amount_grosze % 100:02d}",
        }


def subject_payments(*, payer: Any) -> list[dict]:
    """Every payment order of ``payer`` with its payments, JSON-ready, for the person's data
    export (GDPR art. 15)."""
    orders = orders_of_payer(payer=payer).prefetch_related("payments").order_by("created_at", "pk")
    return [
        {
            "id": str(order.public_id),
            "office": order.office.name,
            "title": order.title,
            "case": order.case_sign,
            "amount_grosze": order.amount_grosze,
            "due_on": order.due_on.isoformat(),
            "status": order.status,
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "payments": [
                {
                    "id": str(p.public_id),
                    "channel": p.channel,
                    "gateway": p.gateway,
                    "amount_grosze": p.amount_grosze,
                    "status": p.status,
                    "payer_name": p.payer_name,
                    "payer_account": p.payer_account,
                    "receipt_number": p.receipt_number,
                    "created_at": p.created_at.isoformat(),
                    "settled_at": p.settled_at.isoformat() if p.settled_at else None,
                }
                for p in order.payments.all()
            ],
        }
        for order in orders
    ]


# --- configuration: fee accounts an office lacks --------------------------------------------


def fee_accounts_missing(*, office_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each office, the kinds of fee (``FeeType``) its offered services can charge but no
    fee account receives; an order for such a fee would fail (``NoFeeAccount``).

    A service charging a fee needs the accounts of the kinds of its rule's tariff items; any
    offered service needs the stamp-duty account, as an application filed by a proxy carries
    the power-of-attorney duty (``tariff.POWER_OF_ATTORNEY``). Four queries for any number of
    offices."""
    office_ids = list(office_ids)
    needed: dict[int, set[str]] = {}
    codes: dict[int, set[str]] = {}
    offering = (
        Service.objects.filter(office_id__in=office_ids, is_active=True)
        .values_list("office_id", flat=True)
        .distinct()
    )
    for office_id in offering:
        codes.setdefault(office_id, set()).add(POWER_OF_ATTORNEY["item"])
    rules = FeeRule.objects.filter(
        service__office_id__in=office_ids, service__is_active=True
    ).exclude(service__fee_kind=FeeKind.NONE)
    for office_id, lines in rules.values_list("service__office_id", "lines"):
        codes.setdefault(office_id, set()).update(
            str(line["item"]) for line in lines or [] if isinstance(line, dict) and line.get("item")
        )
    all_codes = set().union(*codes.values()) if codes else set()
    kinds = dict(TariffItem.objects.filter(code__in=all_codes).values_list("code", "fee_type"))
    for office_id, office_codes in codes.items():
        needed[office_id] = {kinds[code] for code in office_codes if code in kinds}
    held: dict[int, set[str]] = {}
    for office_id, fee_type in FeeAccount.objects.filter(office_id__in=office_ids).values_list(
        "office_id", "fee_type"
    ):
        held.setdefault(office_id, set()).add(fee_type)
    return {
        office_id: sorted(kinds_needed - held.get(office_id, set()))
        for office_id, kinds_needed in needed.items()
        if kinds_needed - held.get(office_id, set())
    }
