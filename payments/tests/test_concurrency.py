"""Ten identical notifications at once settle the order once (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from payments import signals
from payments.models import GatewayNotification, OrderStatus, Payment, PaymentOrder
from payments.services import notification_accept
from payments.tests.test_adapters import order, start  # noqa: F401
from payments.tests.test_orders import _notice
from sekap.audit.models import AuditEntry
from tests.support import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_identical_notifications_settle_once(order, settings):  # noqa: F811
    require_postgresql(connection.vendor, "concurrent row locks need PostgreSQL")
    payment = start(order, "sandbox")
    body, headers = _notice(payment, settings.PAYMENTS_GATEWAYS["sandbox"]["secret"])
    settled = []
    signals.payment_settled.connect(
        lambda **kw: settled.append(kw["order_id"]), weak=False, dispatch_uid="conc"
    )
    barrier = threading.Barrier(10)
    verdicts = []

    def deliver() -> None:
        try:
            barrier.wait()
            outcome = notification_accept(gateway_name="sandbox", body=body, headers=headers)
            verdicts.extend(outcome.verdicts)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=deliver) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        signals.payment_settled.disconnect(dispatch_uid="conc")
    assert sorted(verdicts) == ["accepted"] + ["duplicate"] * 9
    assert settled == [order.pk]
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert GatewayNotification.objects.count() == 10
    paid = AuditEntry.objects.filter(
        action="payments.order_transition", after__status="paid", target_id=str(order.pk)
    )
    assert paid.count() == 1
