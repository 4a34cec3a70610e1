"""A local fake of the e-Doręczenia operator: its authorization server and the mailbox part
of the User Agent API 3.0.8 the adapter uses, answering as that specification describes.

Two ways to run it, the same request handling (:func:`handle`) in both:

* mounted in-process as a ``requests`` transport (:class:`FakeTransport`, no socket) when
  ``DOCUMENTS_EDORECZENIA_PROVIDER = "fake"``: the adapter hands the transport the certificate
  chain it would present in the TLS handshake, and the fake checks that chain itself;
* as a real HTTPS server on 127.0.0.1 (:class:`HttpsOperator`, threaded, ``ssl`` with
  ``CERT_REQUIRED``): the TLS layer checks the client chain against the trusted CAs and the
  fake reads the certificate the peer really presented (the protocol tests).

Client authentication is OAuth 2.0 mutual TLS (RFC 8705): ``POST /oauth2/token`` with
``grant_type=client_credentials``, ``client_id`` and ``scope`` over a connection whose client
certificate (1) chains to a trusted CA (the platform CA, or one :func:`trust_ca` adds) and is
within its validity, and (2) is the certificate registered for that ``client_id`` (by default
the current seal certificate of the office with that address, as if the office had registered
it with the operator; :func:`register_client` replaces it). The access token is bound to the
certificate (``cnf`` ``x5t#S256``, kept with the token and shown by :func:`token_binding`): a
mailbox call presenting another certificate gets 401 ``invalid_token``. A token is good for 5
minutes, for its own mailbox only (403 otherwise) and for the scopes it was issued.

The mailbox keeps its state in the Django cache (shared between web and worker processes when
the cache is Redis). A sent message becomes a task (202 ``messageTaskId``; ``PENDING`` for
:data:`TASK_SECONDS`, then ``FINISHED``), a message per well-formed ADE
(``AE:PL-XXXXX-XXXXX-YYYYY-ZZ``, REFERENCE §2; the check digits are not published, so only the
form is checked) or an error for the addressee. Evidence is signed XML, sealed (XAdES B-B) with
a seal the platform's CA issues to the fake operator, typed by the specification's codes:

* at once: ``A.1`` (the proof of sending) and ``D.1`` (the item arrived in the addressee's box);
* when the addressee collects it (:func:`collect`: the addressee's own mailbox reading it in
  the ``full`` format): ``E.1``, the proof of receipt, status "Doręczona";
* when read on or after the day following 14 days from arrival without collection
  (art. 41 ust. 1 pkt 3, art. 42 ust. 2 UDE): ``E.1`` dated the start of that day, status
  "Uznana za doręczoną".

The evidence's XML vocabulary is this fake's own (a statement, the parties, the times, the
SHA-256 of the item), not the operator's schema, which is not published in the specification.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.utils import timezone
from lxml import etree
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from certauth.services.seals import office_seal
from signatures import services as signatures

from .client_auth import thumbprint
from .edoreczenia import (
    CONTENT_CONSIGNMENT,
    CONTENT_HANDOVER,
    STATUS_DEEMED,
    STATUS_DELIVERED,
    SUBMISSION_ACCEPTANCE,
)
from .rules import start_of, ude_deemed_on

FAKE_ORIGIN = "http://edoreczenia.fake"
API = "/api/v1"  # the specification's ``servers`` entry
FAKE_API = f"{FAKE_ORIGIN}{API}"
FAKE_TOKEN_URL = f"{FAKE_ORIGIN}/oauth2/token"
TOKEN_SECONDS = 300
TASK_SECONDS = 0  # how long a message task stays PENDING
SCOPES = {"read_messages", "write_messages"}
OPERATOR_TERC = "EDFAKE"  # fits a TERC column (7 characters)
OPERATOR_NAME = "Operator wyznaczony (lokalna atrapa usługi e-Doręczenia)"
EVIDENCE_NS = "urn:sekap:edoreczenia-fake:dowod:1"
ADE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")
STATUS_WAITING = "Czeka na doręczenie"
EVENTS = {  # code -> (ETSI EN 319 522 event, statement)
    SUBMISSION_ACCEPTANCE: (
        "SubmissionAcceptance",
        "Dowód wysłania w rozumieniu ustawy o doręczeniach elektronicznych.",
    ),
    CONTENT_CONSIGNMENT: (
        "ContentConsignment",
        "Potwierdzenie wpłynięcia korespondencji na adres do doręczeń elektronicznych.",
    ),
    CONTENT_HANDOVER: (
        "ContentHandover",
        "Dowód otrzymania w rozumieniu ustawy o doręczeniach elektronicznych.",
    ),
}
JSON = "application/json"


def _key(kind: str, ident: str) -> str:
    return f"documents:edoreczenia-fake:{kind}:{ident}"


def _message(message_id: str) -> dict | None:
    return cache.get(_key("msg", message_id))


def _save(message: dict) -> None:
    cache.set(_key("msg", message["id"]), message, timeout=None)


def operator_seal():
    """The fake operator's seal (key, chain); issued by the platform CA on first use."""
    return office_seal(terc=OPERATOR_TERC, name=OPERATOR_NAME)


# --- evidence ---------------------------------------------------------------------------------


def _evidence_xml(message: dict, code: str, at: dt.datetime, evidence_id: str) -> bytes:
    root = etree.Element(f"{{{EVIDENCE_NS}}}Dowod", nsmap={"d": EVIDENCE_NS})
    event, statement = EVENTS[code]

    def add(tag: str, text: str) -> None:
        etree.SubElement(root, f"{{{EVIDENCE_NS}}}{tag}").text = text

    add("Identyfikator", evidence_id)
    add("Typ", code)
    add("Zdarzenie", event)
    add("Oswiadczenie", statement)
    if code == CONTENT_HANDOVER:
        add("Podstawa", "art. 41 ust. 1 pkt 3, art. 42 ust. 2" if message["deemed"] else
            "art. 41 ust. 1 pkt 1")  # fmt: skip
    add("Nadawca", message["sender"])
    add("Adresat", message["recipient"])
    add("IdentyfikatorPrzesylki", message["id"])
    add("DataNadania", message["submitted_at"])
    add("DataZdarzenia", at.isoformat())
    add("DataWystawienia", timezone.now().isoformat())
    add("SkrotPrzesylkiSHA256", message["sha256"])
    add("Usluga", "PURDE (atrapa)")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    key, chain = operator_seal()
    return signatures.sign_enveloped(xml, key=key, cert_chain=chain, level="B-B")


def _issue(message: dict, code: str, at: dt.datetime) -> None:
    evidence_id = str(uuid.uuid4())
    xml = _evidence_xml(message, code, at, evidence_id)
    row = {"id": evidence_id, "type": code, "time": at.isoformat(),
           "created": timezone.now().isoformat(), "message": message["id"],
           "xml": base64.b64encode(xml).decode(), "downloaded": False}  # fmt: skip
    cache.set(_key("ev", evidence_id), row, timeout=None)
    message["evidences"].append(evidence_id)


def _deem_if_due(message: dict) -> None:
    if message["status"] != STATUS_WAITING:
        return
    due = start_of(ude_deemed_on(arrived_on=timezone.localdate(_iso(message["arrived_at"]))))
    if timezone.now() >= due:
        message["status"], message["deemed"] = STATUS_DEEMED, True
        _issue(message, CONTENT_HANDOVER, due)
        _save(message)


def collect(message_id: str, *, at: dt.datetime | None = None) -> bool:
    """The addressee opens the message in their own box (reads it in the ``full`` format);
    False when it is not there or was already collected or deemed delivered."""
    message = _message(message_id)
    if message is None:
        return False
    _deem_if_due(message)
    if message["status"] != STATUS_WAITING:
        return False
    message["status"] = STATUS_DELIVERED
    _issue(message, CONTENT_HANDOVER, at or timezone.now())
    _save(message)
    return True


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --- the mailbox ------------------------------------------------------------------------------


def _errors(error: str, description: str) -> list[dict]:
    """The specification's ``ErrorResponse``: an array of ``ErrorInfo``."""
    return [{"error": error, "error_description": description}]


def _attachment(entry: dict) -> bytes | None:
    file = entry.get("file") or {}
    meta = file.get("fileMetadata") or {}
    try:
        content = base64.b64decode(file.get("file") or "", validate=True)
    except ValueError:
        return None
    digest = base64.b64encode(hashlib.sha3_256(content).digest()).decode()
    if not meta.get("fileId") or meta.get("alg") != "SHA-3" or meta.get("hash") != digest:
        return None
    return content


def _send(mailbox: str, body: bytes) -> tuple[int, object]:
    try:
        payload = json.loads(body or b"{}")
        metadata = payload["messageMetadata"]
        recipients = [str(to.get("eDeliveryAddress", "")) for to in metadata["to"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return 400, _errors("INVALID_MESSAGE", "messageMetadata with from/to is required")
    if (metadata.get("from") or {}).get("eDeliveryAddress") != mailbox:
        return 400, _errors("INVALID_SENDER", "from is not the mailbox's address")
    if metadata.get("shippingService") != "electronic" or not recipients:
        return 400, _errors("INVALID_MESSAGE", "only the electronic service to an address")
    contents = [_attachment(a) for a in payload.get("attachments") or []]
    if not contents or any(c is None for c in contents):
        return 400, _errors("INVALID_ATTACHMENT", "attachment missing or its SHA-3 hash wrong")
    now = timezone.now()
    task_id = str(uuid.uuid4())
    rows = []
    for recipient in recipients:
        if not ADE.match(recipient):
            rows.append({"addressee": {"eDeliveryAddress": recipient},
                         "error": "ADDRESS_INVALID",
                         "error_description": "not an electronic delivery address"})  # fmt: skip
            continue
        message = {
            "id": f"MSG-{secrets.token_hex(8)}", "task": task_id, "sender": mailbox,
            "recipient": recipient, "subject": str(metadata.get("subject", "")),
            "sha256": hashlib.sha256(contents[0]).hexdigest(),
            "submitted_at": now.isoformat(), "arrived_at": now.isoformat(),
            "status": STATUS_WAITING, "deemed": False, "evidences": [],
        }  # fmt: skip
        _issue(message, SUBMISSION_ACCEPTANCE, now)
        _issue(message, CONTENT_CONSIGNMENT, now)
        _save(message)
        rows.append({"messageId": message["id"], "addressee": {"eDeliveryAddress": recipient}})
    ready = now + dt.timedelta(seconds=TASK_SECONDS)
    task = {"id": task_id, "sender": mailbox, "ready_at": ready.isoformat(), "rows": rows}
    cache.set(_key("task", task_id), task, timeout=None)
    return 202, {"messageTaskId": task_id}


def _task(mailbox: str, task_id: str, *, status_only: bool) -> tuple[int, object]:
    task = cache.get(_key("task", task_id))
    if task is None or task["sender"] != mailbox:
        return 400, _errors("TASK_NOT_FOUND", "no such message task")
    finished = timezone.now() >= _iso(task["ready_at"])
    if status_only:
        return 200, {"messageTaskStatus": "FINISHED" if finished else "PENDING"}
    return 200, task["rows"] if finished else []


def _own(mailbox: str, message_id: str) -> dict | None:
    message = _message(message_id)
    if message is None or mailbox not in (message["sender"], message["recipient"]):
        return None
    _deem_if_due(message)
    return message


def _metadata(message: dict) -> dict:
    arrived = timezone.localdate(_iso(message["arrived_at"]))
    left = (ude_deemed_on(arrived_on=arrived) - timezone.localdate()).days
    return {
        "messageControlData": {"messageTaskId": message["task"], "status": message["status"],
                               "messageType": "Message",
                               "daysToReceive": max(left, 0)},
        "messageMetadata": {"from": {"eDeliveryAddress": message["sender"]},
                            "to": [{"eDeliveryAddress": message["recipient"]}],
                            "subject": message["subject"], "messageId": message["id"],
                            "submissionDate": message["submitted_at"],
                            "shippingService": "electronic"},
    }  # fmt: skip


def _evidence_list(message: dict) -> dict:
    rows = [cache.get(_key("ev", e)) for e in message["evidences"]]
    return {"evidences": [
        {"evidenceId": r["id"], "messageId": message["id"], "type": r["type"],
         "eventDate": r["time"], "createDate": r["created"], "downloaded": r["downloaded"],
         "from": {"eDeliveryAddress": message["sender"]},
         "to": {"eDeliveryAddress": message["recipient"]}}
        for r in sorted(rows, key=lambda r: r["time"])
    ]}  # fmt: skip


def _evidence(mailbox: str, evidence_id: str) -> bytes | None:
    row = cache.get(_key("ev", evidence_id))
    if row is None or _own(mailbox, row["message"]) is None:
        return None
    row["downloaded"] = True
    cache.set(_key("ev", evidence_id), row, timeout=None)
    return base64.b64decode(row["xml"])


# --- client authentication (RFC 8705) ---------------------------------------------------------


def register_client(client_id: str, certificate: x509.Certificate) -> None:
    """Register ``certificate`` for ``client_id`` (what an office does with the operator;
    without it the office's current seal certificate counts as registered)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    cache.set(_key("client", client_id), base64.b64encode(der).decode(), timeout=None)


def trust_ca(certificate: x509.Certificate) -> None:
    """Accept client certificates issued by ``certificate`` besides the platform CA's."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    known = cache.get(_key("trust", "extra")) or []
    cache.set(_key("trust", "extra"), [*known, base64.b64encode(der).decode()], timeout=None)


def trusted_cas() -> list[x509.Certificate]:
    from certauth.models import CertificateAuthority

    ders = [
        bytes(d) for d in CertificateAuthority.objects.values_list("certificate_der", flat=True)
    ]
    ders += [base64.b64decode(d) for d in cache.get(_key("trust", "extra")) or []]
    return [x509.load_der_x509_certificate(d) for d in ders]


def _registered(client_id: str) -> x509.Certificate | None:
    stored = cache.get(_key("client", client_id))
    if stored:
        return x509.load_der_x509_certificate(base64.b64decode(stored))
    from certauth.services.seals import seal_certificate
    from offices.models import Office

    office = Office.objects.filter(esp_address=client_id).only("terc").first()
    row = seal_certificate(terc=office.terc) if office is not None else None
    return x509.load_der_x509_certificate(bytes(row.der)) if row is not None else None


def _valid_now(certificate: x509.Certificate) -> bool:
    now = timezone.now()
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def _chains(chain: list[x509.Certificate]) -> bool:
    """The presented chain leads, each certificate signed by the next and all valid today, to
    a trusted CA (what the TLS layer checks on the HTTPS server)."""
    trusted = {c.public_bytes(serialization.Encoding.DER): c for c in trusted_cas()}
    for position, certificate in enumerate(chain):
        if not _valid_now(certificate):
            return False
        issuers = [c for c in trusted.values() if c.subject == certificate.issuer]
        if position + 1 < len(chain):
            issuers.insert(0, chain[position + 1])
        for issuer in issuers:
            try:
                certificate.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            if issuer.public_bytes(serialization.Encoding.DER) in trusted:
                return _valid_now(issuer)
            break
        else:
            return False
    return False


def _token(body: bytes, peer: x509.Certificate | None) -> tuple[int, dict]:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return 400, {"error": "unsupported_grant_type"}
    client_id = form.get("client_id", "")
    registered = _registered(client_id) if client_id else None
    if peer is None or registered is None or thumbprint(peer) != thumbprint(registered):
        why = "the client certificate is not the one registered"
        return 401, {"error": "invalid_client", "error_description": why}
    scopes = set(form.get("scope", "").split()) or set(SCOPES)
    if not scopes <= SCOPES:
        return 400, {"error": "invalid_scope"}
    token = secrets.token_urlsafe(32)
    binding = {"sub": client_id, "scope": sorted(scopes), "cnf": {"x5t#S256": thumbprint(peer)}}
    cache.set(_key("token", token), binding, timeout=TOKEN_SECONDS)
    issued = cache.get(_key("issued", client_id)) or []
    cache.set(_key("issued", client_id), [*issued[-20:], token], timeout=TOKEN_SECONDS)
    return 200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                 "scope": " ".join(sorted(scopes))}  # fmt: skip


def token_binding(token: str) -> dict | None:
    """What the fake holds for ``token``: its subject, scopes and ``cnf`` (RFC 8705 § 3.1)."""
    return cache.get(_key("token", token))


def revoke_tokens(client_id: str) -> None:
    """Revoke every token issued to ``client_id`` (the next call with one gets 401)."""
    for token in cache.get(_key("issued", client_id)) or []:
        cache.delete(_key("token", token))


def outage(on: bool = True) -> None:
    """Make the mailbox answer 503 to every call (a service outage) until switched off."""
    if on:
        cache.set(_key("outage", "on"), 1, timeout=None)
    else:
        cache.delete(_key("outage", "on"))


_ROUTES = [
    ("POST", re.compile(r"^/(?P<box>[^/]+)/messages$"), "send", "write_messages"),
    ("GET", re.compile(r"^/(?P<box>[^/]+)/messages/tasks/(?P<id>[^/]+)/status$"), "status",
     "read_messages"),
    ("GET", re.compile(r"^/(?P<box>[^/]+)/messages/tasks/(?P<id>[^/]+)$"), "task",
     "read_messages"),
    ("GET", re.compile(r"^/(?P<box>[^/]+)/messages/(?P<id>[^/]+)/evidences$"), "evidences",
     "read_messages"),
    ("GET", re.compile(r"^/(?P<box>[^/]+)/evidences/purde/(?P<id>[^/]+)$"), "evidence",
     "read_messages"),
    ("GET", re.compile(r"^/(?P<box>[^/]+)/messages/(?P<id>[^/]+)$"), "message", "read_messages"),
]  # fmt: skip


def _reply(status: int, data: object) -> tuple[int, str, bytes, dict[str, str]]:
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return status, JSON, json.dumps(data).encode(), headers


def _mailbox(method: str, path: str, query: dict, body: bytes, authorization: str,
             peer: x509.Certificate | None) -> tuple[int, str, bytes, dict[str, str]]:  # fmt: skip
    for verb, pattern, name, scope in _ROUTES:
        match = pattern.match(path)
        if verb != method or not match:
            continue
        binding = token_binding(authorization[7:].strip()) if authorization.startswith(
            "Bearer ") else None  # fmt: skip
        if binding is None or peer is None or binding["cnf"]["x5t#S256"] != thumbprint(peer):
            return _reply(
                401, _errors("invalid_token", "no token, or bound to another certificate")
            )
        box = unquote(match["box"])
        if box != binding["sub"] or scope not in binding["scope"]:
            return _reply(403, _errors("insufficient_scope", "not this client's mailbox"))
        if cache.get(_key("outage", "on")):
            return _reply(503, _errors("UNAVAILABLE", "the service is unavailable"))
        ident = unquote(match.groupdict().get("id") or "")
        if name == "send":
            return _reply(*_send(box, body))
        if name in ("status", "task"):
            return _reply(*_task(box, ident, status_only=name == "status"))
        if name == "evidence":
            xml = _evidence(box, ident)
            if xml is None:
                return _reply(400, _errors("EVIDENCE_NOT_FOUND", "no such evidence"))
            return 200, "application/octet-stream", xml, {}
        message = _own(box, ident)
        if message is None:
            return _reply(400, _errors("MESSAGE_NOT_FOUND", "no such message"))
        if name == "evidences":
            return _reply(200, _evidence_list(message))
        if query.get("format", "full") in ("full", "fullExtended") and box == message["recipient"]:
            collect(message["id"])  # opening it in the addressee's own box collects it
            message = _message(message["id"]) or message
        return _reply(200, [_metadata(message)])
    return _reply(404, _errors("NOT_FOUND", "no such endpoint"))


def handle(method: str, target: str, body: bytes, *, authorization: str = "",
           client_chain: list[bytes] | tuple[bytes, ...] = (),
           chain_verified: bool = False) -> tuple[int, str, bytes, dict[str, str]]:  # fmt: skip
    """Answer one HTTP request: (status, content type, body, extra headers). ``client_chain``
    is the DER chain presented in the TLS handshake (leaf first); ``chain_verified`` says the
    TLS layer has already checked it against the trusted CAs."""
    parts = urlsplit(target)
    path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
    chain = [x509.load_der_x509_certificate(d) for d in client_chain]
    peer = chain[0] if chain and (chain_verified or _chains(chain)) else None
    if method == "POST" and path == "/oauth2/token":
        status, data = _token(body, peer)
        return status, JSON, json.dumps(data).encode(), {"Cache-Control": "no-store"}
    if path.startswith(f"{API}/"):
        return _mailbox(method, path[len(API) :], query, body, authorization, peer)
    return _reply(404, _errors("NOT_FOUND", "no such endpoint"))


class FakeTransport(BaseAdapter):
    """A ``requests`` transport that hands each request to :func:`handle`, with the client
    certificate chain the adapter presents (what its TLS handshake would carry)."""

    def __init__(self, *, client_chain: tuple[bytes, ...] = ()) -> None:
        super().__init__()
        self.client_chain = client_chain

    def send(self, request: PreparedRequest, **kwargs) -> Response:
        body = request.body or b""
        status, content_type, content, headers = handle(
            str(request.method),
            request.path_url or "/",
            body if isinstance(body, bytes) else body.encode(),
            authorization=str(request.headers.get("Authorization", "")),
            client_chain=self.client_chain,
        )
        response = Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict({"Content-Type": content_type, **headers})
        response._content = content
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        return None


class HttpsOperator:
    """The fake operator as a real HTTPS server on 127.0.0.1 (a thread per connection),
    requiring a client certificate that chains to ``client_cas`` (PEM). Its own certificate
    and key (``server_chain_pem``, ``server_key_pem``) name 127.0.0.1. Handlers never touch
    the database: register the clients and warm :func:`operator_seal` before serving."""

    def __init__(self, *, server_chain_pem: str, server_key_pem: str, client_cas_pem: str) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(server_chain_pem, server_key_pem)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_cas_pem)
        self.requests: list[tuple[str, str, str]] = []
        log = self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer = self.connection.getpeercert(binary_form=True)  # type: ignore[attr-defined]
                chain = (peer,) if peer else ()
                log.append((self.command, self.path, thumbprint(
                    x509.load_der_x509_certificate(peer)) if peer else ""))  # fmt: skip
                status, ctype, content, headers = handle(
                    self.command, self.path, body,
                    authorization=self.headers.get("Authorization", ""),
                    client_chain=chain, chain_verified=True,
                )  # fmt: skip
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(content)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        port = self.httpd.server_address[1]
        self.origin = f"https://127.0.0.1:{port}"
        self.api, self.token_url = f"{self.origin}{API}", f"{self.origin}/oauth2/token"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


__all__ = [
    "API",
    "FAKE_API",
    "FAKE_ORIGIN",
    "FAKE_TOKEN_URL",
    "FakeTransport",
    "HttpsOperator",
    "collect",
    "handle",
    "operator_seal",
    "outage",
    "register_client",
    "revoke_tokens",
    "token_binding",
    "trust_ca",
    "trusted_cas",
]
