"""Payment orders: idempotent issue, the one transition service, settlement by the sandbox
bank's signed notifications (valid, forged, duplicate, out of order, wrong amount)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from stdnum import iban

from payments import signals
from payments.errors import OrderConflict, WrongOrderState
from payments.gateways.sandbox import HEADER, sign
from payments.models import (
    FeeType,
    GatewayNotification,
    OrderStatus,
    Payment,
    PaymentOrder,
    SandboxTransaction,
)
from payments.services import (
    fee_orders_issue,
    notification_accept,
    order_call_delivered,
    order_call_record,
    order_create,
    order_transition,
    orders_overdue_sweep,
    payment_refresh,
    payment_start,
    transfer_record,
)
from payments.services.sandbox_bank import SandboxRefusal, sandbox_decide, sandbox_notification
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db


def issue(seeded, payer, ref="submission:1"):
    return fee_orders_issue(
        service=seeded.certificate, payer=payer, data={}, subject_ref=ref, reference="ABC"
    )


def start(order, payer):
    return payment_start(
        order=order,
        payer=payer,
        gateway_name="sandbox",
        return_url="http://testserver/back",
        notify_url="http://testserver/n",
    )


def test_one_order_per_fee_idempotent(seeded, payer):
    [order] = issue(seeded, payer)
    assert issue(seeded, payer) == [order]
    assert order.amount_grosze == 1700 and order.fee_type == FeeType.STAMP_DUTY
    assert order.title == "Opłata skarbowa – " + seeded.certificate.title + ", ABC"[:140]
    assert iban.is_valid(order.virtual_account)
    assert order.lines[0]["code"] == "II.21"
    with pytest.raises(OrderConflict):
        order_create(
            payer=payer,
            office=order.office,
            fee_type=FeeType.STAMP_DUTY,
            amount_grosze=1800,
            title="x",
            due_on=order.due_on,
            idempotency_key=order.idempotency_key,
            subject_ref=order.subject_ref,
        )
    with pytest.raises(ValueError):
        order_create(
            payer=payer,
            office=order.office,
            fee_type=FeeType.STAMP_DUTY,
            amount_grosze=17.0,
            title="x",
            due_on=order.due_on,
            idempotency_key="float",
            subject_ref="s",
        )


def test_transitions(seeded, payer):
    [order] = issue(seeded, payer)
    with pytest.raises(WrongOrderState):
        order_transition(order=order, to=OrderStatus.REFUNDED)
    order_transition(order=order, to=OrderStatus.FAILED)
    order = order_transition(order=order, to=OrderStatus.PAID)  # failed → paid is honoured
    assert order.status == OrderStatus.PAID and order.paid_at
    with pytest.raises(WrongOrderState):
        order_transition(order=order, to=OrderStatus.FAILED)
    assert AuditEntry.objects.filter(action="payments.order_transition").count() == 2


def test_another_citizen_cannot_pay_or_see_the_order(seeded, payer, other_payer):
    [order] = issue(seeded, payer)
    with pytest.raises(NotAllowed):
        start(order, other_payer)
    from payments.selectors import order_of_payer

    assert order_of_payer(payer=other_payer, public_id=order.public_id) is None


def test_sandbox_pay_notifies_and_settles_once(seeded, payer, django_capture_on_commit_callbacks):
    [order] = issue(seeded, payer)
    settled = []
    signals.payment_settled.connect(
        lambda **kw: settled.append(kw["order_id"]), weak=False, dispatch_uid="t1"
    )
    try:
        payment = start(order, payer)
        assert payment.redirect_url.startswith("/")
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING
        bank = SandboxTransaction.objects.get(merchant_ref=str(payment.public_id))
        with pytest.raises(SandboxRefusal):
            sandbox_decide(bank=bank, decision="pay", code="12a456")
        with django_capture_on_commit_callbacks(execute=True):
            assert sandbox_decide(bank=bank, decision="pay", code="123456") == "paid"
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert settled == [order.pk]
        # the bank sends it again (duplicate): accepted as such, nothing changes
        body, headers = sandbox_notification(token=str(bank.token))
        with django_capture_on_commit_callbacks(execute=True):
            outcome = notification_accept(gateway_name="sandbox", body=body, headers=headers)
        assert outcome.verdicts == ("duplicate",) and outcome.accepted
        assert settled == [order.pk]
        payment.refresh_from_db()
        assert payment.receipt_number.startswith("SEKAP/")
    finally:
        signals.payment_settled.disconnect(dispatch_uid="t1")


def _notice(payment, secret, **changes):
    data = {
        "transaction": payment.external_id,
        "merchant_ref": str(payment.public_id),
        "status": "paid",
        "amount_grosze": payment.amount_grosze,
        "currency": "PLN",
        "sequence": 1,
        **changes,
    }
    body = json.dumps(data).encode()
    return body, {HEADER: sign(secret=secret, body=body)}


def test_forged_wrong_amount_and_out_of_order(seeded, payer, settings):
    secret = settings.PAYMENTS_GATEWAYS["sandbox"]["secret"]
    [order] = issue(seeded, payer)
    payment = start(order, payer)

    body, headers = _notice(payment, "not-the-secret")
    outcome = notification_accept(gateway_name="sandbox", body=body, headers=headers)
    assert outcome.verdicts == ("bad_signature",) and outcome.answer.status == 400
    body, headers = _notice(payment, secret, amount_grosze=1)
    assert notification_accept(gateway_name="sandbox", body=body, headers=headers).verdicts == (
        "wrong_amount",
    )
    old = _notice(payment, secret, status="pending")
    body, headers = _notice(payment, secret, status="failed")
    assert notification_accept(gateway_name="sandbox", body=body, headers=headers).verdicts == (
        "accepted",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    # a "pending" sent before the failure arrives late: stale, ignored
    assert notification_accept(gateway_name="sandbox", body=old[0], headers=old[1]).verdicts == (
        "stale",
    )
    # the bank later captures the money after all: failed → paid is honoured
    body, headers = _notice(payment, secret, status="paid")
    assert notification_accept(gateway_name="sandbox", body=body, headers=headers).accepted
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    refused = AuditEntry.objects.filter(action="payments.notification_refused")
    assert refused.count() == 2
    assert GatewayNotification.objects.count() == 5
    assert bytes(GatewayNotification.objects.order_by("pk").first().body).startswith(b"{")


def test_return_page_asks_the_bank_not_the_browser(seeded, payer):
    [order] = issue(seeded, payer)
    payment = start(order, payer)
    assert payment_refresh(payment=payment) == "accepted"  # started → pending at the bank
    assert payment_refresh(payment=payment) == "duplicate"  # the bank still says pending
    SandboxTransaction.objects.filter(merchant_ref=str(payment.public_id)).update(status="paid")
    assert payment_refresh(payment=payment) == "accepted"  # notification lost; polling finds it
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_abandoned_payment_returns_the_order_to_be_paid(seeded, payer):
    [order] = issue(seeded, payer)
    payment = start(order, payer)
    bank = SandboxTransaction.objects.get(merchant_ref=str(payment.public_id))
    sandbox_decide(bank=bank, decision="abandon")
    payment_refresh(payment=payment)
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW
    assert Payment.objects.get(pk=payment.pk).status == "abandoned"


def test_transfer_settles_idempotently_and_partially(seeded, payer):
    [order] = issue(seeded, payer)
    part, created = transfer_record(order=order, amount_grosze=1000, external_id="ST1/1")
    assert created
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW  # partial payment: still due
    assert transfer_record(order=order, amount_grosze=1000, external_id="ST1/1") == (part, False)
    transfer_record(order=order, amount_grosze=700, external_id="ST1/2")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_overdue_call_to_pay_counts_from_its_delivery(
    seeded, payer, django_capture_on_commit_callbacks
):
    [order] = issue(seeded, payer)
    events = []
    for name in ("payment_overdue", "payment_expired"):
        getattr(signals, name).connect(
            lambda name=name, **kw: events.append(name), weak=False, dispatch_uid=name
        )
    try:
        first_due = order.due_on
        day = first_due + dt.timedelta(days=1)
        with pytest.raises(WrongOrderState):  # no call yet: nothing to be delivered
            order_call_delivered(order_id=order.pk, delivered_on=day, due_on=day)
        with django_capture_on_commit_callbacks(execute=True):
            assert orders_overdue_sweep(today=day) == {"called": 1, "expired": 0}
        order.refresh_from_db()
        assert order.called_to_pay_at and order.due_on == first_due  # the 7 days wait
        order_call_record(order_id=order.pk, call_ref="letter:test")
        # a month later the call is still not delivered: nothing expires
        assert orders_overdue_sweep(today=day + dt.timedelta(days=30)) == {
            "called": 0,
            "expired": 0,
        }
        delivered = day + dt.timedelta(days=20)
        due = delivered + dt.timedelta(days=7)
        order_call_delivered(order_id=order.pk, delivered_on=delivered, due_on=due)
        # the same delivery reported again changes nothing
        order_call_delivered(
            order_id=order.pk, delivered_on=delivered + dt.timedelta(days=1), due_on=due
        )
        order.refresh_from_db()
        assert (order.call_delivered_on, order.due_on, order.call_ref) == (
            delivered,
            due,
            "letter:test",
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert orders_overdue_sweep(today=due) == {"called": 0, "expired": 0}
            assert orders_overdue_sweep(today=due + dt.timedelta(days=1)) == {
                "called": 0,
                "expired": 1,
            }
        assert events == ["payment_overdue", "payment_expired"]
        assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
        actions = AuditEntry.objects.filter(target_id=str(order.pk)).values_list(
            "action", flat=True
        )
        assert {"payments.call_to_pay", "payments.call_sent", "payments.call_delivered"} <= set(
            actions
        )
    finally:
        for name in ("payment_overdue", "payment_expired"):
            getattr(signals, name).disconnect(dispatch_uid=name)


def test_the_sandbox_bank_retries_a_notification_not_taken(seeded, payer):
    from payments.tasks import sandbox_notify

    [order] = issue(seeded, payer)
    payment = start(order, payer)
    bank = SandboxTransaction.objects.get(merchant_ref=str(payment.public_id))
    # the bank's ledger disagrees with the order (as after a tampered amount): refused
    SandboxTransaction.objects.filter(pk=bank.pk).update(status="paid", amount_grosze=1)
    from celery.exceptions import Retry

    with pytest.raises(Retry):  # eager: the retry the worker would schedule (back-off)
        sandbox_notify.apply(kwargs={"token": str(bank.token)}, throw=True)
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PENDING
    SandboxTransaction.objects.filter(pk=bank.pk).update(amount_grosze=1700)
    assert sandbox_notify.apply(kwargs={"token": str(bank.token)}).get() == "accepted"
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_beat_job_polls_payments_still_pending(seeded, payer):
    from django.utils import timezone

    from payments.services import payments_poll

    [order] = issue(seeded, payer)
    payment = start(order, payer)
    SandboxTransaction.objects.filter(merchant_ref=str(payment.public_id)).update(status="paid")
    assert payments_poll() == 0  # too fresh: the notification may still come
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert payments_poll() == 1
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert payments_poll() == 0  # nothing pending any more
