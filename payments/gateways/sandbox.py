"""The embedded sandbox bank: a hosted payment page and signed notifications.

Protocol (documented in docs/decisions/payments.md):

* start: in-process (the platform does not call itself over HTTP); the bank keeps its own
  ledger (``SandboxTransaction``) and sends the payer to ``/bank-sandbox/<token>/``;
* notification: ``POST`` of JSON ``{"transaction", "merchant_ref", "status", "amount_grosze",
  "currency", "sequence"}`` with ``X-Sandbox-Signature: t=<unix time>,v1=<hex>`` where ``v1`` is
  HMAC-SHA256 with the shared secret over ``"<t>." + body``; notifications older than
  ``max_age`` seconds are refused (replay);
* statuses: ``paid``, ``failed``, ``pending``, ``abandoned``; ``sequence`` grows with each
  change, so an older notice arriving late is recognisable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.urls import reverse

from ..models import Payment, PaymentOrder, SandboxTransaction
from .base import Answer, GatewayError, Notice, NotificationMalformed, SignatureInvalid, Started

HEADER = "X-Sandbox-Signature"


def sign(*, secret: str, body: bytes, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


class SandboxGateway:
    name = "sandbox"

    def __init__(self, *, secret: str, max_age: int = 3600, **_options) -> None:
        if not secret:
            raise GatewayError("the sandbox bank needs a secret")
        self.secret = secret
        self.max_age = max_age

    def start(
        self, *, payment: Payment, order: PaymentOrder, return_url: str, notify_url: str
    ) -> Started:
        bank, _ = SandboxTransaction.objects.get_or_create(
            merchant_ref=str(payment.public_id),
            defaults={
                "amount_grosze": payment.amount_grosze,
                "title": order.title,
                "recipient": order.account.holder,
                "return_url": return_url,
            },
        )
        return Started(
            external_id=str(bank.token),
            redirect_url=reverse("payments:sandbox_bank", args=[bank.token]),
        )

    def notification_body(self, bank: SandboxTransaction) -> bytes:
        return json.dumps(
            {
                "transaction": str(bank.token),
                "merchant_ref": bank.merchant_ref,
                "status": bank.status,
                "amount_grosze": bank.amount_grosze,
                "currency": "PLN",
                "sequence": bank.sequence,
            },
            sort_keys=True,
        ).encode()

    def parse_notification(self, *, body: bytes, headers: dict[str, str]) -> list[Notice]:
        header = {k.lower(): v for k, v in headers.items()}.get(HEADER.lower(), "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            stamp = int(parts.get("t", ""))
        except ValueError as exc:
            raise SignatureInvalid("no timestamp") from exc
        expected = sign(secret=self.secret, body=body, at=stamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise SignatureInvalid("HMAC mismatch")
        if abs(time.time() - stamp) > self.max_age:
            raise SignatureInvalid("too old")
        try:
            data = json.loads(body)
            amount = data["amount_grosze"]
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise TypeError("amount")
            return [
                Notice(
                    reference=str(data["merchant_ref"]),
                    external_id=str(data["transaction"]),
                    status=str(data["status"]),
                    amount_grosze=amount,
                    currency=str(data.get("currency", "")),
                )
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationMalformed(str(exc)) from exc

    def answer(self, *, notices: list[Notice], accepted: bool) -> Answer:
        return Answer(200 if accepted else 400, "text/plain", b"OK" if accepted else b"ERROR")

    def retrieve(self, *, payment: Payment) -> Notice | None:
        bank = SandboxTransaction.objects.filter(merchant_ref=str(payment.public_id)).first()
        if bank is None:
            return None
        return Notice(
            reference=bank.merchant_ref,
            external_id=str(bank.token),
            status=bank.status,
            amount_grosze=bank.amount_grosze,
        )

    def refund(self, *, payment: Payment, amount_grosze: int, key: str) -> str:
        bank = SandboxTransaction.objects.filter(merchant_ref=str(payment.public_id)).first()
        if bank is None or bank.status != "paid":
            raise GatewayError("nothing paid to refund")
        if bank.refunded_grosze + amount_grosze > bank.amount_grosze:
            raise GatewayError("refund larger than the payment")
        bank.refunded_grosze += amount_grosze
        bank.save(update_fields=["refunded_grosze", "updated_at"])
        return f"sandbox-refund-{key}"[:100]
