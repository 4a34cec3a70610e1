"""The Polish bank-transfer QR code (ZBP recommendation "QR kod do przelewu").

Text: ``NIP|PL|account (26 digits)|amount in grosze (6 digits)|recipient (≤ 20)|title (≤ 32)|||``.
Banking apps fill a domestic transfer from it. Amounts of 10 000 zł and more do not fit the
six digits: no code then (the page still gives the account, title and amount).
"""

from __future__ import annotations

import segno

from .models import PaymentOrder


def transfer_qr_text(*, order: PaymentOrder, nip: str = "") -> str | None:
    if order.amount_grosze > 999_999 or not order.virtual_account:
        return None
    account = order.virtual_account[2:]  # the 26-digit NRB
    fields = [
        nip,
        "PL",
        account,
        f"{order.amount_grosze:06d}",
        _clean(order.account.holder)[:20],
        _clean(order.title)[:32],
        "",
        "",
        "",
    ]
    return "|".join(fields)


def _clean(text: str) -> str:
    return " ".join(str(text).replace("|", " ").split())


def transfer_qr_svg(*, order: PaymentOrder) -> str:
    """The code as inline SVG markup (no script, no style attribute), or ""."""
    text = transfer_qr_text(order=order)
    if text is None:
        return ""
    return segno.make(text, error="m", micro=False).svg_inline(scale=4, title="QR", omitsize=False)
