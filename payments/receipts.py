"""The PDF receipt of one payment (rendered on demand from the stored payment)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from .models import Payment, PaymentStatus


def receipt_pdf(*, payment: Payment) -> bytes:
    """A receipt for a paid (or later refunded) payment; Polish, as an official record."""
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        raise ValueError("only a settled payment has a receipt")
    from weasyprint import HTML  # loaded late: importing WeasyPrint is slow

    with translation.override("pl"):
        html = render_to_string(
            "payments/receipt.html", {"payment": payment, "order": payment.order}
        )
    return HTML(string=html, base_url=None).write_pdf()
