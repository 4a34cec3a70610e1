"""Local fakes of the payment providers, each a real HTTP server in a thread that follows the
provider's published protocol (so the adapters' HTTP client is exercised for real). They
check what they receive (hashes, OAuth tokens, fields) as the providers do, keep their own
ledger, and produce signed notifications on demand."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape


class _Server:
    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _reply(self, status: int, body: bytes, ctype: str, headers=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:
                fake.requests.append(("POST", self.path))
                self._reply(*fake.handle("POST", self.path, self.headers, self._body()))

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path))
                self._reply(*fake.handle("GET", self.path, self.headers, b""))

        self.requests: list[tuple[str, str]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- Autopay -----------------------------------------------------------------------------


def bm_hash(values: list[str], key: str) -> str:
    return hashlib.sha256("|".join([v for v in values if v] + [key]).encode()).hexdigest()


def _xml(root: str, fields: list[tuple[str, str]], key: str) -> bytes:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    digest = bm_hash([v for _, v in fields], key)
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f"{head}<{root}>{inner}<hash>{digest}</hash></{root}>".encode()


class FakeAutopay(_Server):
    START = ["ServiceID", "OrderID", "Amount", "Description", "Currency", "CustomerEmail"]

    def __init__(self, *, service_id: str, key: str) -> None:
        self.service_id, self.key = service_id, key
        self.transactions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        super().__init__()

    def _form(self, body: bytes, names: list[str]) -> dict | None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("ServiceID") != self.service_id:
            return None
        if bm_hash([form.get(n, "") for n in names], self.key) != form.get("Hash"):
            return None
        return form

    def handle(self, method, path, headers, body):
        if path == "/payment":
            form = self._form(body, self.START)
            if form is None or headers.get("BmHeader") != "pay-bm-continue-transaction-url":
                return 400, b"<error>hash</error>", "application/xml"
            remote = uuid.uuid4().hex[:10].upper()
            self.transactions[form["OrderID"]] = {
                "remoteID": remote,
                "amount": form["Amount"],
                "currency": form["Currency"],
                "status": "PENDING",
            }
            return (
                200,
                _xml(
                    "transaction",
                    [
                        ("status", "PENDING"),
                        ("redirecturl", f"{self.url}/pay/{remote}"),
                        ("orderID", form["OrderID"]),
                        ("remoteID", remote),
                    ],
                    self.key,
                ),
                "application/xml",
            )
        if path == "/webapi/transactionStatus":
            form = self._form(body, ["ServiceID", "OrderID"])
            if form is None:
                return 400, b"<error>hash</error>", "application/xml"
            if form["OrderID"] not in self.transactions:
                return 404, b"<error>not found</error>", "application/xml"
            return 200, self.transaction_list(form["OrderID"]), "application/xml"
        if path == "/settlementapi/transactionRefund":
            # Amount is optional (the whole payment when left out); no currency is sent.
            form = self._form(body, ["ServiceID", "MessageID", "RemoteID", "Amount"])
            paid = [
                t
                for t in self.transactions.values()
                if form and t["remoteID"] == form["RemoteID"] and t["status"] == "SUCCESS"
            ]
            if form is None or not paid:
                error = (
                    "<error><statusCode>400</statusCode><name>REFUND_REFUSED</name>"
                    "<description>no such paid transaction or a wrong hash</description></error>"
                )
                return 200, error.encode(), "application/xml"
            self.refunds.append(
                {"remoteID": form["RemoteID"], "amount": form.get("Amount") or paid[0]["amount"]}
            )
            fields = [("serviceID", self.service_id), ("messageID", form["MessageID"])]
            return 200, _xml("refund", fields, self.key), "application/xml"
        return 404, b"", "text/plain"

    def transaction_list(self, order_id: str, *, amount: str | None = None, key=None) -> bytes:
        """A ``transactionList`` as Autopay sends it. The hash covers the values in the
        protocol's order (service; order, remote id, amount, currency, gateway, date, status,
        status details; the customer's data), while the elements arrive in another order, as
        nothing in XML promises theirs: a receiver hashing the document's order fails."""
        t = self.transactions[order_id]
        fields = {
            "orderID": order_id,
            "remoteID": t["remoteID"],
            "amount": amount or t["amount"],
            "currency": t["currency"],
            "gatewayID": "106",
            "paymentDate": "20261130101500",
            "paymentStatus": t["status"],
            "paymentStatusDetails": "AUTHORIZED" if t["status"] == "SUCCESS" else "",
        }
        customer = {"fName": "Jan", "lName": "Kowalski", "nrb": "96105011130000000123456781"}
        hashed = [self.service_id, *fields.values()]
        hashed += [customer.get(name, "") for name in ("fName", "lName", "streetName",
                   "streetHouseNo", "streetStaircaseNo", "streetPremiseNo", "postalCode",
                   "city", "nrb", "senderData")]  # fmt: skip
        digest = bm_hash(hashed, key or self.key)
        shuffled = ["paymentStatus", "customerData", "amount", "orderID", "currency",
                    "paymentDate", "remoteID", "gatewayID", "paymentStatusDetails"]  # fmt: skip
        inner = "".join(
            "<customerData>"
            + "".join(f"<{k}>{v}</{k}>" for k, v in customer.items())
            + "</customerData>"
            if name == "customerData"
            else f"<{name}>{fields[name]}</{name}>"
            for name in shuffled
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><transactionList>'
            f"<transactions><transaction>{inner}</transaction></transactions>"
            f"<serviceID>{self.service_id}</serviceID><hash>{digest}</hash></transactionList>"
        ).encode()

    def itn(self, order_id: str, status: str, *, amount: str | None = None, key=None) -> bytes:
        """The ITN the gateway POSTs: ``transactions`` = base64 of the transaction list."""
        self.transactions[order_id]["status"] = status
        xml = self.transaction_list(order_id, amount=amount, key=key)
        return urlencode({"transactions": base64.b64encode(xml).decode()}).encode()


# --- PayU --------------------------------------------------------------------------------


class FakePayU(_Server):
    def __init__(self, *, pos_id: str, client_id: str, client_secret: str, second_key: str):
        self.pos_id, self.client_id = pos_id, client_id
        self.client_secret, self.second_key = client_secret, second_key
        self.tokens: set[str] = set()
        self.orders: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.token_requests = 0
        super().__init__()

    def _json(self, status: int, data: dict, headers=None):
        return status, json.dumps(data).encode(), "application/json", headers

    def handle(self, method, path, headers, body):
        if path == "/pl/standard/user/oauth/authorize" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.token_requests += 1
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                "client_credentials",
                self.client_id,
                self.client_secret,
            ):
                return self._json(401, {"error": "invalid_client"})
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return self._json(
                200, {"access_token": token, "token_type": "bearer", "expires_in": 43199}
            )
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return self._json(401, {"status": {"statusCode": "UNAUTHORIZED"}})
        if path == "/api/v2_1/orders" and method == "POST":
            data = json.loads(body)
            if (
                data.get("merchantPosId") != self.pos_id
                or not str(data.get("totalAmount", "")).isdigit()
            ):
                return self._json(400, {"status": {"statusCode": "ERROR_VALUE_INVALID"}})
            order_id = uuid.uuid4().hex[:20].upper()
            self.orders[order_id] = {
                "orderId": order_id,
                "extOrderId": data["extOrderId"],
                "totalAmount": data["totalAmount"],
                "currencyCode": data["currencyCode"],
                "status": "NEW",
                "notifyUrl": data["notifyUrl"],
            }
            redirect = f"{self.url}/pay/?orderId={order_id}"
            return self._json(
                302,
                {
                    "status": {"statusCode": "SUCCESS"},
                    "redirectUri": redirect,
                    "orderId": order_id,
                    "extOrderId": data["extOrderId"],
                },
                {"Location": redirect},
            )
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "v2_1", "orders"] and len(parts) >= 4:
            order = self.orders.get(parts[3])
            if order is None:
                return self._json(404, {"status": {"statusCode": "DATA_NOT_FOUND"}})
            if len(parts) == 4 and method == "GET":
                public = {k: v for k, v in order.items() if k != "notifyUrl"}
                return self._json(200, {"orders": [public], "status": {"statusCode": "SUCCESS"}})
            if parts[4:] == ["refunds"] and method == "POST":
                refund = json.loads(body)["refund"]
                if order["status"] != "COMPLETED" or int(refund["amount"]) > int(
                    order["totalAmount"]
                ):
                    return self._json(400, {"status": {"statusCode": "ERROR_VALUE_INVALID"}})
                refund_id = str(5000000 + len(self.refunds))
                self.refunds.append({**refund, "orderId": order["orderId"]})
                return self._json(
                    200,
                    {
                        "orderId": order["orderId"],
                        "refund": {"refundId": refund_id, **refund, "status": "PENDING"},
                        "status": {"statusCode": "SUCCESS"},
                    },
                )
        return self._json(404, {})

    def notification(self, order_id, status, *, amount=None, key=None, algorithm="MD5"):
        order = self.orders[order_id]
        order["status"] = status
        data = {
            "order": {
                "orderId": order_id,
                "extOrderId": order["extOrderId"],
                "totalAmount": amount or order["totalAmount"],
                "currencyCode": order["currencyCode"],
                "status": status,
            },
            "localReceiptDateTime": "2026-11-30T10:15:00.000+01:00",
            "properties": [{"name": "PAYMENT_ID", "value": "5000000001"}],
        }
        body = json.dumps(data).encode()
        digest = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[algorithm]
        signature = digest(body + (key or self.second_key).encode()).hexdigest()
        header = f"sender=checkout;signature={signature};algorithm={algorithm};content=DOCUMENT"
        return body, {"OpenPayU-Signature": header, "Content-Type": "application/json"}
