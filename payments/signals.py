"""What payments tells higher apps, always sent after commit (``sender`` is ``PaymentOrder``).

``payment_settled(order_id, subject_ref)``: the order is paid in full.
``payment_overdue(order_id, subject_ref, due_on)``: unpaid past its due day; the call to pay
(KPA art. 261 § 1) is due and the order's new due day is ``due_on``.
``payment_expired(order_id, subject_ref)``: still unpaid after the call to pay (art. 261 § 2:
the application is returned).
``payment_refunded(order_id, subject_ref)``: the money went back to the payer.
``payments_settled(orders)``: orders paid in full, ``orders`` a tuple of ``(order_id,
subject_ref)``: sent once per settlement, for a bank statement's hundred thousand as for a
gateway's one order, so a receiver that takes sets (documents) needs no other signal;
``payment_settled`` is still sent one order at a time to whoever listens to it.
"""

from __future__ import annotations

from django.dispatch import Signal

payment_settled = Signal()
payment_overdue = Signal()
payment_expired = Signal()
payment_refunded = Signal()
payments_settled = Signal()
