"""Autopay (formerly Blue Media) adapter.

As published for the "Autopay / BM" payment system (read, not copied): every message carries a
``Hash``: the SHA-256 hex digest of the message's non-empty values, in their defined order,
joined by ``|`` with the shared key appended (``v1|v2|...|key``).

* start: ``POST {base}/payment`` (form fields ``ServiceID``, ``OrderID``, ``Amount`` as
  ``12.34``, ``Description``, ``Currency``, ``CustomerEmail``, ``Hash``) with the header
  ``BmHeader: pay-bm-continue-transaction-url``: the answer is XML ``<transaction>`` with
  ``status``, ``redirecturl``, ``orderID``, ``remoteID`` and ``hash``;
* ITN: ``POST`` to the notify address, form field ``transactions`` = base64 of XML
  ``<transactionList><serviceID/><transactions><transaction>…</transaction></transactions>
  <hash/></transactionList>`` (``paymentStatus`` ``PENDING`` / ``SUCCESS`` / ``FAILURE``); the
  answer is XML ``<confirmationList>`` with ``CONFIRMED`` or ``NOTCONFIRMED`` per order,
  itself hashed;
* status: ``POST {base}/webapi/transactionStatus`` (``ServiceID``, ``OrderID``, ``Hash``):
  a ``<transactionList>`` as in the ITN;
* refund: ``POST {base}/webapi/transactionRefund`` (``ServiceID``, ``MessageID``,
  ``RemoteID``, ``Amount``, ``Currency``, ``Hash``): XML ``<refund>`` with ``remoteOutID``.

Our ``OrderID`` is the payment's UUID in 32 hex digits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted

from ..models import Payment, PaymentOrder
from .base import (
    Answer,
    GatewayError,
    Notice,
    NotificationMalformed,
    SignatureInvalid,
    Started,
    grosze_from_text,
    zloty_text,
)
from .http import call

STATUS = {"SUCCESS": "paid", "PENDING": "pending", "FAILURE": "failed"}
LIMITS = ParseLimits(max_bytes=256 * 1024, max_depth=8)


def autopay_hash(values: list[str], key: str) -> str:
    text = "|".join([v for v in values if v != ""] + [key])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _leaves(element) -> list[tuple[str, str]]:
    """(tag, text) of every leaf in document order."""
    return [
        (etree_local(e.tag), (e.text or "").strip())
        for e in element.iter()
        if isinstance(e.tag, str) and len(e) == 0
    ]


def etree_local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(data: bytes):
    try:
        return parse_untrusted(data, limits=LIMITS).root
    except XmlRejected as exc:
        raise NotificationMalformed(str(exc)) from exc


class AutopayGateway:
    name = "autopay"

    def __init__(self, *, base_url: str, service_id: str, shared_key: str, **_options) -> None:
        self.base_url = base_url.rstrip("/")
        self.service_id = str(service_id)
        self.key = shared_key

    # --- hashing ---------------------------------------------------------------------------

    def _signed_root(self, data: bytes):
        """Parse a hashed XML answer or notice and check its hash over all other leaves."""
        root = _parse(data)
        leaves = _leaves(root)
        given = [text for tag, text in leaves if tag == "hash"]
        values = [text for tag, text in leaves if tag != "hash"]
        if len(given) != 1 or not hmac.compare_digest(autopay_hash(values, self.key), given[0]):
            raise SignatureInvalid("Autopay hash mismatch")
        return root

    def _form(self, fields: list[tuple[str, str]]) -> dict[str, str]:
        return {**dict(fields), "Hash": autopay_hash([v for _, v in fields], self.key)}

    # --- protocol --------------------------------------------------------------------------

    def start(
        self, *, payment: Payment, order: PaymentOrder, return_url: str, notify_url: str
    ) -> Started:
        fields = [
            ("ServiceID", self.service_id),
            ("OrderID", payment.public_id.hex),
            ("Amount", zloty_text(payment.amount_grosze)),
            ("Description", order.title[:79]),
            ("Currency", "PLN"),
            ("CustomerEmail", getattr(order.payer, "email", "")),
        ]
        response = call(
            "POST",
            f"{self.base_url}/payment",
            data=self._form(fields),
            headers={"BmHeader": "pay-bm-continue-transaction-url"},
        )
        if response.status_code != 200:
            raise GatewayError(f"Autopay start: HTTP {response.status_code}")
        try:
            root = self._signed_root(response.content)
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay start: {exc}") from exc
        values = dict(_leaves(root))
        if values.get("orderID") != payment.public_id.hex or not values.get("redirecturl"):
            raise GatewayError("Autopay start: unexpected answer")
        return Started(external_id=values.get("remoteID", ""), redirect_url=values["redirecturl"])

    def _notices(self, root) -> list[Notice]:
        if etree_local(root.tag) != "transactionList":
            raise NotificationMalformed("not a transactionList")
        service = [e for e in root if etree_local(e.tag) == "serviceID"]
        if not service or (service[0].text or "").strip() != self.service_id:
            raise SignatureInvalid("another service")
        notices = []
        for element in root.iter():
            if not isinstance(element.tag, str) or etree_local(element.tag) != "transaction":
                continue
            values = {etree_local(e.tag): (e.text or "").strip() for e in element}
            try:
                reference = str(uuid.UUID(hex=values["orderID"]))
            except (KeyError, ValueError) as exc:
                raise NotificationMalformed("orderID") from exc
            notices.append(
                Notice(
                    reference=reference,
                    external_id=values.get("remoteID", ""),
                    status=STATUS.get(values.get("paymentStatus", ""), "unknown"),
                    amount_grosze=grosze_from_text(values.get("amount", "")),
                    currency=values.get("currency", ""),
                )
            )
        return notices

    def parse_notification(self, *, body: bytes, headers: dict[str, str]) -> list[Notice]:
        try:
            form = parse_qs(body.decode("ascii"), strict_parsing=True)
            xml = base64.b64decode(form["transactions"][0], validate=True)
        except (UnicodeDecodeError, ValueError, KeyError, binascii.Error) as exc:
            raise NotificationMalformed("no base64 transactions field") from exc
        return self._notices(self._signed_root(xml))

    def answer(self, *, notices: list[Notice], accepted: bool) -> Answer:
        if not notices and not accepted:  # unreadable or forged: nothing to confirm
            return Answer(400, "text/plain", b"NOTCONFIRMED")
        confirmation = "CONFIRMED" if accepted else "NOTCONFIRMED"
        values = [self.service_id]
        items = []
        for notice in notices:
            order_id = uuid.UUID(notice.reference).hex
            values += [order_id, confirmation]
            items.append(
                f"<transactionConfirmed><orderID>{order_id}</orderID>"
                f"<confirmation>{confirmation}</confirmation></transactionConfirmed>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<confirmationList>'
            f"<serviceID>{escape(self.service_id)}</serviceID>"
            f"<transactionsConfirmations>{''.join(items)}</transactionsConfirmations>"
            f"<hash>{autopay_hash(values, self.key)}</hash></confirmationList>"
        ).encode()
        return Answer(200, "application/xml", body)

    def retrieve(self, *, payment: Payment) -> Notice | None:
        fields = [("ServiceID", self.service_id), ("OrderID", payment.public_id.hex)]
        response = call(
            "POST", f"{self.base_url}/webapi/transactionStatus", data=self._form(fields)
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise GatewayError(f"Autopay status: HTTP {response.status_code}")
        try:
            notices = self._notices(self._signed_root(response.content))
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay status: {exc}") from exc
        mine = [n for n in notices if n.reference == str(payment.public_id)]
        return mine[-1] if mine else None

    def refund(self, *, payment: Payment, amount_grosze: int, key: str) -> str:
        fields = [
            ("ServiceID", self.service_id),
            ("MessageID", hashlib.sha256(key.encode()).hexdigest()[:32]),  # idempotent
            ("RemoteID", payment.external_id),
            ("Amount", zloty_text(amount_grosze)),
            ("Currency", "PLN"),
        ]
        response = call(
            "POST", f"{self.base_url}/webapi/transactionRefund", data=self._form(fields)
        )
        if response.status_code != 200:
            raise GatewayError(f"Autopay refund: HTTP {response.status_code}")
        try:
            values = dict(_leaves(self._signed_root(response.content)))
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay refund: {exc}") from exc
        if not values.get("remoteOutID"):
            raise GatewayError("Autopay refund: refused")
        return values["remoteOutID"]
