"""Payment orders: idempotent creation and the one transition service of their state machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from offices.models import Office, Service
from sekap import audit

from .. import signals
from ..errors import OrderConflict, WrongOrderState
from ..models import FeeType, OrderStatus, PaymentOrder
from .accounts import fee_account_for, virtual_account
from .tariff import FeeLine, fee_assessment

S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    # Money that really arrived is honoured whatever the order's state was (a late transfer
    # after expiry, a "failed" card payment the gateway later captured): ``* -> paid``.
    S.NEW: frozenset({S.PENDING, S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.PENDING: frozenset({S.NEW, S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.FAILED: frozenset({S.PENDING, S.PAID, S.EXPIRED, S.CANCELLED}),
    S.EXPIRED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.PAID: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}
TITLE_PREFIX = {FeeType.STAMP_DUTY: "Opłata skarbowa", FeeType.OFFICE_FEE: "Opłata"}


def _signal_on_commit(signal, order: PaymentOrder, **extra: Any) -> None:
    order_id, subject_ref = order.pk, order.subject_ref
    transaction.on_commit(
        lambda: signal.send(
            sender=PaymentOrder, order_id=order_id, subject_ref=subject_ref, **extra
        )
    )


@transaction.atomic
def order_transition(
    *, order: PaymentOrder, to: str, actor: Any = None, reason: str = ""
) -> PaymentOrder:
    """Move ``order`` to ``to`` under a row lock; the same state again changes nothing.

    Writes the audit entry; after commit announces ``paid`` (``payments_settled`` for a set of
    one, and ``payment_settled``), ``expired``
    (``payment_expired``) and ``refunded`` (``payment_refunded``)."""
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    if order.status == to:
        return order
    if to not in TRANSITIONS.get(order.status, frozenset()):
        raise WrongOrderState()
    before = order.status
    now = timezone.now()
    order.status = to
    order.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to == S.PAID:
        order.paid_at = now
        fields.append("paid_at")
    order.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="payments.order_transition",
        target=order,
        before={"status": before},
        after={"status": to, "reason": reason[:200]},
    )
    if to == S.PAID:  # the set signal of one order, and the per-order one
        _announce_on_commit(S.PAID, [(order.pk, order.subject_ref)])
    elif to == S.EXPIRED:
        _signal_on_commit(signals.payment_expired, order)
    elif to == S.REFUNDED:
        _signal_on_commit(signals.payment_refunded, order)
    return order


def _same_order(order: PaymentOrder, **expected: Any) -> PaymentOrder:
    if any(getattr(order, name) != value for name, value in expected.items()):
        raise OrderConflict()
    return order


def order_create(
    *,
    payer: Any,
    office: Office,
    fee_type: str,
    amount_grosze: int,
    title: str,
    due_on: dt.date,
    idempotency_key: str,
    subject_ref: str,
    lines: Iterable[Mapping[str, Any]] = (),
    case_sign: str = "",
    actor: Any = None,
) -> PaymentOrder:
    """Issue one order for one fee; the same ``idempotency_key`` returns the first order (and
    is refused with other payer, office, kind or amount). The order's virtual account is the
    fee account's sort code and collection prefix with the order number."""
    if not isinstance(amount_grosze, int) or isinstance(amount_grosze, bool) or amount_grosze <= 0:
        raise ValueError("amount_grosze must be a positive whole number of grosze")
    expected = {
        "payer_id": payer.pk,
        "office_id": office.pk,
        "fee_type": fee_type,
        "amount_grosze": amount_grosze,
    }
    found = PaymentOrder.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        return _same_order(found, **expected)
    account = fee_account_for(office=office, fee_type=fee_type)
    try:
        with transaction.atomic():
            order = PaymentOrder.objects.create(
                idempotency_key=idempotency_key,
                office=office,
                account=account,
                fee_type=fee_type,
                payer=payer,
                subject_ref=subject_ref,
                case_sign=case_sign,
                title=title[:140],
                amount_grosze=amount_grosze,
                lines=[dict(line) for line in lines],
                due_on=due_on,
            )
            order.virtual_account = virtual_account(account=account, number=order.pk)
            order.save(update_fields=["virtual_account"])
            audit.record(
                actor=actor or payer,
                action="payments.order_created",
                target=order,
                after={
                    "amount_grosze": amount_grosze,
                    "fee_type": fee_type,
                    "account": account.iban,
                    "virtual_account": order.virtual_account,
                    "subject": subject_ref,
                    "due_on": due_on.isoformat(),
                },
            )
    except IntegrityError:
        found = PaymentOrder.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return _same_order(found, **expected)
    return order


def order_title(*, fee_type: str, service_title: str, reference: str) -> str:
    """The transfer title (Polish: it goes onto the office's bank statement)."""
    title = f"{TITLE_PREFIX.get(fee_type, 'Opłata')} – {service_title}"
    return (f"{title}, {reference}" if reference else title)[:140]


def fee_orders_issue(
    *,
    service: Service,
    payer: Any,
    data: Mapping[str, Any],
    subject_ref: str,
    reference: str,
    filed_on: dt.date | None = None,
    by_representative: bool = False,
) -> list[PaymentOrder]:
    """Assess the application's fee and issue one order per kind of fee (stamp duty and the
    office's own fee go to different accounts). Idempotent per ``subject_ref``. Nothing is
    issued when the amount is for the office to set or an exemption applies.
    ``by_representative``: see ``fee_assessment`` (a company's representative's power of
    attorney is charged)."""
    day = filed_on or timezone.localdate()
    assessment = fee_assessment(
        service=service, data=data, on=day, by_representative=by_representative
    )
    due_on = day + dt.timedelta(days=settings.PAYMENTS_DUE_DAYS)
    orders = []
    for fee_type, lines in assessment.by_fee_type().items():
        orders.append(
            order_create(
                payer=payer,
                office=service.office,
                fee_type=fee_type,
                amount_grosze=sum(line.amount_grosze for line in lines),
                title=order_title(
                    fee_type=fee_type, service_title=service.title, reference=reference
                ),
                due_on=due_on,
                idempotency_key=f"{subject_ref}:{fee_type}"[:150],
                subject_ref=subject_ref,
                lines=[FeeLine.as_json(line) for line in lines],
            )
        )
    return orders


@transaction.atomic
def orders_case_sign_set(*, subject_ref: str, case_sign: str, service_title: str) -> int:
    """The case is open: its sign goes into the orders of ``subject_ref`` (and into the
    transfer title of those not yet paid)."""
    changed = 0
    for order in PaymentOrder.objects.select_for_update().filter(subject_ref=subject_ref):
        if order.case_sign == case_sign:
            continue
        order.case_sign = case_sign
        fields = ["case_sign"]
        if order.is_open:
            order.title = order_title(
                fee_type=order.fee_type, service_title=service_title, reference=case_sign
            )
            fields.append("title")
        order.save(update_fields=fields)
        changed += 1
    return changed


def orders_overdue_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Beat job: an open order past its due day gets one call to pay (KPA art. 261 § 1,
    ``payment_overdue``: the app that owns the application sends it and records it with
    ``order_call_record``). The 7 days run from the call's delivery (``order_call_delivered``
    sets the new due day); an order still unpaid after that day expires (``payment_expired``:
    the application is returned). While the call is not delivered nothing expires."""
    day = today or timezone.localdate()
    called = expired = 0
    overdue = PaymentOrder.objects.filter(
        status__in=[S.NEW, S.PENDING, S.FAILED], due_on__lt=day
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            order = PaymentOrder.objects.select_for_update().get(pk=pk)
            if not order.is_open or order.due_on >= day:
                continue
            if order.called_to_pay_at is None:
                order.called_to_pay_at = timezone.now()
                order.save(update_fields=["called_to_pay_at"])
                audit.record(
                    action="payments.call_to_pay",
                    target=order,
                    after={"due_on": order.due_on.isoformat()},
                )
                _signal_on_commit(signals.payment_overdue, order, due_on=None)
                called += 1
            elif order.call_delivered_on is not None:
                order_transition(order=order, to=S.EXPIRED, reason="unpaid after the call to pay")
                expired += 1
    return {"called": called, "expired": expired}


@transaction.atomic
def order_call_record(*, order_id: int, call_ref: str) -> PaymentOrder:
    """The call to pay of ``order_id`` was sent as ``call_ref`` (e.g. ``letter:<uuid>``)."""
    order = PaymentOrder.objects.select_for_update().get(pk=order_id)
    if order.call_ref != call_ref:
        before = order.call_ref
        order.call_ref = call_ref[:100]
        order.save(update_fields=["call_ref"])
        audit.record(
            action="payments.call_sent",
            target=order,
            before={"call": before},
            after={"call": order.call_ref},
        )
    return order


@transaction.atomic
def order_call_delivered(*, order_id: int, delivered_on: dt.date, due_on: dt.date) -> PaymentOrder:
    """The call to pay was delivered on ``delivered_on``: the fee is due by ``due_on`` (7 days
    from delivery, moved to the next working day by KPA art. 57 § 4, as the caller counts
    them). Recorded once; the same delivery again changes nothing."""
    if due_on < delivered_on:
        raise ValueError("the due day cannot come before the delivery")
    order = PaymentOrder.objects.select_for_update().get(pk=order_id)
    if order.called_to_pay_at is None:
        raise WrongOrderState()
    if order.call_delivered_on is not None:
        return order
    before = order.due_on
    order.call_delivered_on = delivered_on
    order.due_on = due_on
    order.save(update_fields=["call_delivered_on", "due_on"])
    audit.record(
        action="payments.call_delivered",
        target=order,
        before={"due_on": before.isoformat()},
        after={"delivered_on": delivered_on.isoformat(), "due_on": due_on.isoformat()},
    )
    return order


_BATCH_SIGNALS = {S.PAID: "payments_settled"}


def _announce_on_commit(to: str, announced: list[tuple[int, str]]) -> None:
    """After commit: the set signal once (``payments_settled`` for ``paid``), and the
    per-order signal to whoever still listens to it one order at a time."""
    single = {
        S.PAID: signals.payment_settled,
        S.EXPIRED: signals.payment_expired,
        S.REFUNDED: signals.payment_refunded,
    }.get(to)
    batch = getattr(signals, _BATCH_SIGNALS.get(to, ""), None)
    if single is None and batch is None:
        return

    def send() -> None:
        if batch is not None and batch.has_listeners(PaymentOrder):
            batch.send(sender=PaymentOrder, orders=tuple(announced))
        if single is not None and single.has_listeners(PaymentOrder):
            for pk, subject in announced:
                single.send(sender=PaymentOrder, order_id=pk, subject_ref=subject)

    transaction.on_commit(send)


def _locked_rows(ids: list[int]) -> list[tuple]:
    """``(pk, status, subject_ref, title, amount_grosze, office_id)`` of the orders, locked
    in key order; one statement on PostgreSQL (an array parameter), chunks elsewhere."""
    table = PaymentOrder._meta.db_table
    columns = "id, status, subject_ref, title, amount_grosze, office_id"
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
                [ids],
            )
            return list(cursor.fetchall())
    for start in range(0, len(ids), 5000):
        rows.extend(
            PaymentOrder.objects.select_for_update()
            .filter(pk__in=ids[start : start + 5000])
            .order_by("pk")
            .values_list("pk", "status", "subject_ref", "title", "amount_grosze", "office_id")
        )
    return rows


@transaction.atomic
def orders_transition(
    *, order_ids: Iterable[int], to: str, actor: Any = None, reason: str = ""
) -> list[int]:
    """``order_transition`` for many orders at once (a bank statement settling thousands).

    The same rules (``TRANSITIONS``; the same state again changes nothing), the same audit
    entry per order (written in one chained bulk insert) and the same signals after commit
    (``payments_settled`` once for the set, for receivers that take sets), with a row lock on
    every order, taken in primary-key order. Works on rows, not model instances: one locking
    read and one ``UPDATE`` on PostgreSQL however many orders. Returns the ids moved."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    moved: list[tuple] = []
    for row in _locked_rows(ids):
        status = row[1]
        if status == to:
            continue
        if to not in TRANSITIONS.get(status, frozenset()):
            raise WrongOrderState()
        moved.append(row)
    if not moved:
        return []
    now = timezone.now()
    fields: dict[str, Any] = {"status": to, "status_changed_at": now}
    if to == S.PAID:
        fields["paid_at"] = now
    moved_ids = [row[0] for row in moved]
    if connection.vendor == "postgresql":
        table = PaymentOrder._meta.db_table
        assignments = ", ".join(f"{name} = %s" for name in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE id = ANY(%s)",  # noqa: S608
                [*fields.values(), moved_ids],
            )
    else:
        for start in range(0, len(moved_ids), 5000):
            PaymentOrder.objects.filter(pk__in=moved_ids[start : start + 5000]).update(**fields)
    label = PaymentOrder._meta.label_lower
    after = {"status": to, "reason": reason[:200]}
    audit.record_many(
        actor=actor,
        entries=[
            audit.entry(
                "payments.order_transition",
                target=audit.target_ref(
                    label=label, pk=pk, text=f"{title} ({amount} gr)", office_id=office_id
                ),
                before={"status": status},
                after=after,
            )
            for pk, status, _subject, title, amount, office_id in moved
        ],
    )
    _announce_on_commit(to, [(row[0], row[2]) for row in moved])
    return moved_ids
