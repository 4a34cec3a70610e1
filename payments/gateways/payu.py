"""PayU adapter (REST API v2.1, as published by PayU; read, not copied).

* OAuth: ``POST {base}/pl/standard/user/oauth/authorize`` with ``grant_type=client_credentials``,
  ``client_id``, ``client_secret`` -> ``{"access_token", "expires_in"}`` (kept until shortly
  before it expires);
* create order: ``POST {base}/api/v2_1/orders`` (JSON, ``Authorization: Bearer``) with
  ``notifyUrl``, ``continueUrl``, ``customerIp``, ``merchantPosId``, ``description``,
  ``currencyCode``, ``totalAmount`` (grosze as text), ``extOrderId`` (our payment UUID),
  ``buyer``, ``products`` -> 302/201 with ``{"status": {"statusCode": "SUCCESS"},
  "redirectUri", "orderId"}``;
* notification: ``POST`` JSON ``{"order": {...}}`` with the header
  ``OpenPayU-Signature: sender=checkout;signature=...;algorithm=MD5|SHA-256;content=DOCUMENT``,
  where the signature is the digest of ``body + second_key``; answered with HTTP 200;
* retrieve: ``GET {base}/api/v2_1/orders/{orderId}`` -> ``{"orders": [...]}``;
* refund: ``POST {base}/api/v2_1/orders/{orderId}/refunds`` with ``{"refund": {"description",
  "amount", "extRefundId"}}`` -> ``{"refund": {"refundId", ...}}``.

Order statuses: ``COMPLETED`` paid, ``CANCELED`` failed, ``NEW``, ``PENDING`` and
``WAITING_FOR_CONFIRMATION`` pending.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid

from ..models import Payment, PaymentOrder
from .base import (
    Answer,
    GatewayError,
    Notice,
    NotificationMalformed,
    SignatureInvalid,
    Started,
)
from .http import call

STATUS = {
    "COMPLETED": "paid",
    "CANCELED": "failed",
    "NEW": "pending",
    "PENDING": "pending",
    "WAITING_FOR_CONFIRMATION": "pending",
}
DIGESTS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256, "SHA256": hashlib.sha256}
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def payu_signature(body: bytes, second_key: str, algorithm: str = "SHA-256") -> str:
    return DIGESTS[algorithm](body + second_key.encode()).hexdigest()


class PayUGateway:
    name = "payu"

    def __init__(
        self,
        *,
        base_url: str,
        pos_id: str,
        client_id: str,
        client_secret: str,
        second_key: str,
        **_options,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.pos_id = str(pos_id)
        self.client_id = str(client_id)
        self.client_secret = client_secret
        self.second_key = second_key

    def _token(self) -> str:
        key = (self.base_url, self.client_id)
        with _lock:
            token, until = _tokens.get(key, ("", 0))
            if token and time.monotonic() < until:
                return token
        response = call(
            "POST",
            f"{self.base_url}/pl/standard/user/oauth/authorize",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        if response.status_code != 200:
            raise GatewayError(f"PayU OAuth: HTTP {response.status_code}")
        data = response.json()
        token = data.get("access_token", "")
        if not token:
            raise GatewayError("PayU OAuth: no token")
        with _lock:
            _tokens[key] = (token, time.monotonic() + int(data.get("expires_in", 60)) - 30)
        return token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}", "Content-Type": "application/json"}

    def start(
        self, *, payment: Payment, order: PaymentOrder, return_url: str, notify_url: str
    ) -> Started:
        payer = order.payer
        body = {
            "notifyUrl": notify_url,
            "continueUrl": return_url,
            "customerIp": "127.0.0.1",
            "merchantPosId": self.pos_id,
            "description": order.title[:100],
            "currencyCode": "PLN",
            "totalAmount": str(payment.amount_grosze),
            "extOrderId": str(payment.public_id),
            "buyer": {
                "email": getattr(payer, "email", ""),
                "firstName": getattr(payer, "first_name", ""),
                "lastName": getattr(payer, "last_name", ""),
                "language": "pl",
            },
            "products": [
                {
                    "name": order.title[:100],
                    "unitPrice": str(payment.amount_grosze),
                    "quantity": "1",
                }
            ],
        }
        response = call(
            "POST", f"{self.base_url}/api/v2_1/orders", json=body, headers=self._headers()
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise GatewayError("PayU create: not JSON") from exc
        if response.status_code not in (200, 201, 302) or (
            data.get("status", {}).get("statusCode") != "SUCCESS"
        ):
            raise GatewayError(f"PayU create: HTTP {response.status_code}")
        return Started(external_id=data["orderId"], redirect_url=data["redirectUri"])

    def parse_notification(self, *, body: bytes, headers: dict[str, str]) -> list[Notice]:
        header = {k.lower(): v for k, v in headers.items()}.get("openpayu-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(";") if "=" in p)
        algorithm = parts.get("algorithm", "MD5").upper()
        if algorithm not in DIGESTS or not parts.get("signature"):
            raise SignatureInvalid("no usable OpenPayU-Signature")
        expected = payu_signature(body, self.second_key, algorithm)
        if not hmac.compare_digest(expected, parts["signature"].lower()):
            raise SignatureInvalid("OpenPayU signature mismatch")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise NotificationMalformed("not JSON") from exc
        if "order" not in data:
            return []  # a refund notification: refunds are confirmed by their own call
        return [self._notice(data["order"])]

    def _notice(self, order: dict) -> Notice:
        try:
            reference = str(uuid.UUID(str(order["extOrderId"])))
            amount = int(str(order["totalAmount"]))
        except (KeyError, ValueError) as exc:
            raise NotificationMalformed(str(exc)) from exc
        return Notice(
            reference=reference,
            external_id=str(order.get("orderId", "")),
            status=STATUS.get(str(order.get("status", "")), "unknown"),
            amount_grosze=amount,
            currency=str(order.get("currencyCode", "")),
        )

    def answer(self, *, notices: list[Notice], accepted: bool) -> Answer:
        # PayU repeats a notification until it gets HTTP 200.
        return Answer(200 if accepted else 400, "application/json", b"{}")

    def retrieve(self, *, payment: Payment) -> Notice | None:
        if not payment.external_id:
            return None
        response = call(
            "GET",
            f"{self.base_url}/api/v2_1/orders/{payment.external_id}",
            headers=self._headers(),
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise GatewayError(f"PayU retrieve: HTTP {response.status_code}")
        try:
            return self._notice(response.json()["orders"][0])
        except (ValueError, KeyError, IndexError, NotificationMalformed) as exc:
            raise GatewayError(f"PayU retrieve: {exc}") from exc

    def refund(self, *, payment: Payment, amount_grosze: int, key: str) -> str:
        response = call(
            "POST",
            f"{self.base_url}/api/v2_1/orders/{payment.external_id}/refunds",
            json={
                "refund": {
                    "description": "Zwrot opłaty",
                    "amount": str(amount_grosze),
                    "extRefundId": key[:100],
                }
            },
            headers=self._headers(),
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise GatewayError("PayU refund: not JSON") from exc
        if response.status_code != 200 or data.get("status", {}).get("statusCode") != "SUCCESS":
            raise GatewayError(f"PayU refund: HTTP {response.status_code}")
        return str(data["refund"]["refundId"])
