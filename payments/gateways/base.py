"""The gateway interface every provider adapter implements.

A gateway never sees a database transaction: ``start``, ``retrieve`` and ``refund`` make HTTP
calls (or, for the embedded sandbox bank, in-process calls) and are called only outside
``transaction.atomic``. ``parse_notification`` checks the provider's signature on the exact
bytes received and says what the provider claims; ``answer`` is what the provider expects back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..models import Payment, PaymentOrder


class SignatureInvalid(ValueError):
    """The notification's signature (hash) does not match."""


class NotificationMalformed(ValueError):
    """The notification cannot be read."""


class GatewayError(RuntimeError):
    """The provider refused or did not answer."""


PAID, PENDING, FAILED = "paid", "pending", "failed"


@dataclass(frozen=True)
class Notice:
    """What the provider says of one payment: ``reference`` is our ``Payment.public_id`` (the
    order id we gave it), ``status`` one of paid / pending / failed; amount in grosze."""

    reference: str
    external_id: str
    status: str
    amount_grosze: int
    currency: str = "PLN"


@dataclass(frozen=True)
class Started:
    external_id: str
    redirect_url: str


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


class Gateway(Protocol):
    name: str

    def start(
        self, *, payment: Payment, order: PaymentOrder, return_url: str, notify_url: str
    ) -> Started: ...

    def parse_notification(self, *, body: bytes, headers: dict[str, str]) -> list[Notice]: ...

    def answer(self, *, notices: list[Notice], accepted: bool) -> Answer: ...

    def retrieve(self, *, payment: Payment) -> Notice | None: ...

    def refund(self, *, payment: Payment, amount_grosze: int, key: str) -> str: ...


def zloty_text(grosze: int) -> str:
    """12345 -> "123.45" (the decimal text most gateways want), no float involved."""
    sign = "-" if grosze < 0 else ""
    grosze = abs(grosze)
    return f"{sign}{grosze // 100}.{grosze % 100:02d}"


def grosze_from_text(text: str) -> int:
    """ "123.45" -> 12345; refuses anything but a plain decimal with at most 2 places."""
    text = (text or "").strip()
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
        raise NotificationMalformed(f"not an amount: {text!r}")
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
