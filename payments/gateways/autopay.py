"""Autopay (formerly Blue Media) adapter.

Checked against Autopay's own public PHP SDK (``bluepayment-plugin/bm-sdk``, read, not copied;
see docs/decisions/payments.md): every message carries a ``Hash``, the SHA-256 hex digest of
the message's values **in the order the protocol defines for that message** (not the order
the elements happen to arrive in), empty ones left out, joined by ``|`` with the shared key
appended (``v1|v2|...|key``).

* start: ``POST {base}/payment`` with the header ``BmHeader: pay-bm-continue-transaction-url``
  and the form fields, hashed in this order: ``ServiceID``, ``OrderID``, ``Amount`` (``12.34``),
  ``Description``, ``GatewayID`` (not sent), ``Currency``, ``CustomerEmail``; the answer is XML
  ``<transaction>`` hashed as ``status``, ``redirecturl``, ``orderID``, ``remoteID``;
* ITN: ``POST`` to the notify address, form field ``transactions`` = base64 of XML
  ``<transactionList><serviceID/><transactions><transaction>…</transaction></transactions>
  <hash/></transactionList>`` hashed as ``serviceID``, then the transaction's ``orderID``,
  ``remoteID``, ``amount``, ``currency``, ``gatewayID``, ``paymentDate``, ``paymentStatus``
  (``PENDING`` / ``SUCCESS`` / ``FAILURE``), ``paymentStatusDetails`` and ``customerData``'s
  ``fName``, ``lName``, ``streetName``, ``streetHouseNo``, ``streetStaircaseNo``,
  ``streetPremiseNo``, ``postalCode``, ``city``, ``nrb``, ``senderData``; the answer is XML
  ``<confirmationList>`` with ``CONFIRMED`` or ``NOTCONFIRMED`` per order, hashed as
  ``serviceID``, ``orderID``, ``confirmation``;
* status: ``POST {base}/webapi/transactionStatus`` (form ``ServiceID``, ``OrderID``, ``Hash``
  over ``ServiceID|OrderID|key``): XML with ``<transactions><transaction>…`` as in the ITN;
  we check its ``hash`` as the ITN's (Autopay's own plugin reads the answer without checking
  it: that order is ours, not verified);
* refund: ``POST {base}/settlementapi/transactionRefund`` (form ``ServiceID``, ``MessageID``,
  ``RemoteID``, ``Amount`` (``12.34``; left out for the whole amount), ``Hash`` over them in
  that order; no currency): XML answer with ``serviceID``, ``messageID`` and ``hash`` over
  ``serviceID|messageID|key``, or an error with ``statusCode``, ``name``, ``description``.
  The refund's own id (``remoteOutID``) and outcome come later (``settlementapi/outDetails/v2``
  or the refund ITN), so the answer's ``messageID`` is what we keep.

The status and refund calls were checked on 30.11.2026 against Autopay's own Magento 2 plugin
(``bluepayment-plugin/magento-2.x-plugin``, read, not copied; see docs/decisions/payments.md).

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

# The order of the hashed values of each message (see the module's docstring).
START_ANSWER = ("status", "redirecturl", "orderID", "remoteID")
TRANSACTION = (
    "orderID",
    "remoteID",
    "amount",
    "currency",
    "gatewayID",
    "paymentDate",
    "paymentStatus",
    "paymentStatusDetails",
)
CUSTOMER_DATA = (
    "fName",
    "lName",
    "streetName",
    "streetHouseNo",
    "streetStaircaseNo",
    "streetPremiseNo",
    "postalCode",
    "city",
    "nrb",
    "senderData",
)
REFUND_ANSWER = ("serviceID", "messageID")


def autopay_hash(values: list[str], key: str) -> str:
    text = "|".join([v for v in values if v != ""] + [key])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _children(element) -> dict[str, str]:
    """Text of ``element``'s child elements by local name (the first of each name)."""
    found: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str):
            found.setdefault(etree_local(child.tag), (child.text or "").strip())
    return found


def _child(element, name: str):
    return next((e for e in element if isinstance(e.tag, str) and etree_local(e.tag) == name), None)


def _transactions(root) -> list:
    holder = _child(root, "transactions")
    if holder is None:
        return []
    return [e for e in holder if isinstance(e.tag, str) and etree_local(e.tag) == "transaction"]


def _transaction_values(transaction) -> list[str]:
    """A transaction's hashed values in the protocol's order, its customer data last."""
    values = _children(transaction)
    out = [values.get(name, "") for name in TRANSACTION]
    customer = _child(transaction, "customerData")
    if customer is not None:
        data = _children(customer)
        out += [data.get(name, "") for name in CUSTOMER_DATA]
    return out


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

    def _signed_root(self, data: bytes, values_of):
        """Parse a hashed XML answer or notice and check its ``hash`` over ``values_of(root)``
        (the message's values in the protocol's order)."""
        root = _parse(data)
        given = [
            (e.text or "").strip()
            for e in root
            if isinstance(e.tag, str) and etree_local(e.tag) == "hash"
        ]
        expected = autopay_hash(values_of(root), self.key)
        if len(given) != 1 or not hmac.compare_digest(expected, given[0]):
            raise SignatureInvalid("Autopay hash mismatch")
        return root

    @staticmethod
    def _list_values(root) -> list[str]:
        """``transactionList`` (ITN and status): the service, then each transaction."""
        values = [_children(root).get("serviceID", "")]
        for transaction in _transactions(root):
            values += _transaction_values(transaction)
        return values

    @staticmethod
    def _ordered(names: tuple[str, ...]):
        return lambda root: [_children(root).get(name, "") for name in names]

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
            root = self._signed_root(response.content, self._ordered(START_ANSWER))
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay start: {exc}") from exc
        values = _children(root)
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
        for element in _transactions(root):
            values = _children(element)
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
        return self._notices(self._signed_root(xml, self._list_values))

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
            notices = self._notices(self._signed_root(response.content, self._list_values))
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay status: {exc}") from exc
        mine = [n for n in notices if n.reference == str(payment.public_id)]
        return mine[-1] if mine else None

    def refund(self, *, payment: Payment, amount_grosze: int, key: str) -> str:
        """Ask for ``amount_grosze`` back; returns the request's ``MessageID`` (Autopay's
        answer names no refund id: ``remoteOutID`` comes with the refund's outcome)."""
        fields = [
            ("ServiceID", self.service_id),
            ("MessageID", hashlib.sha256(key.encode()).hexdigest()[:32]),  # idempotent
            ("RemoteID", payment.external_id),
        ]
        if amount_grosze != payment.amount_grosze:
            fields.append(("Amount", zloty_text(amount_grosze)))
        response = call(
            "POST", f"{self.base_url}/settlementapi/transactionRefund", data=self._form(fields)
        )
        if response.status_code != 200:
            raise GatewayError(f"Autopay refund: HTTP {response.status_code}")
        try:
            root = _parse(response.content)
        except NotificationMalformed as exc:
            raise GatewayError(f"Autopay refund: {exc}") from exc
        answer = _children(root)
        if answer.get("statusCode"):
            raise GatewayError(
                f"Autopay refund refused: {answer['statusCode']} {answer.get('name', '')} "
                f"{answer.get('description', '')}".strip()
            )
        try:
            values = _children(self._signed_root(response.content, self._ordered(REFUND_ANSWER)))
        except (SignatureInvalid, NotificationMalformed) as exc:
            raise GatewayError(f"Autopay refund: {exc}") from exc
        if values.get("messageID") != fields[1][1] or values.get("serviceID") != self.service_id:
            raise GatewayError("Autopay refund: the answer is not for this request")
        return values["messageID"]
