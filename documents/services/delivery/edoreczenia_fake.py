"""A local fake of the e-Doręczenia operator, speaking the adapter's HTTP protocol.

Mounted in-process as a ``requests`` transport (no socket) when
``DOCUMENTS_EDORECZENIA_PROVIDER = "fake"``. It keeps its mailbox in the Django cache (shared
between the web and worker processes when the cache is Redis), accepts a message for a
well-formed ADE (``AE:PL-XXXXX-XXXXX-YYYYY-ZZ``, REFERENCE §2; the check digits are not
published, so only the form is checked), and publishes evidence as signed XML, sealed with a
seal the platform's own CA issues to the fake operator:

* at once: the proof of sending (SubmissionAcceptance) and the arrival (ContentConsignment);
* when the addressee collects it (:func:`collect`, or ``POST /ua/v3/messages/<id>/collect``,
  the addressee's side): the proof of receipt (ContentHandover);
* when listed on or after the day following 14 days from arrival without collection
  (art. 41 ust. 1 pkt 3, art. 42 ust. 2 UDE): the proof of receipt (ContentHandoverDeemed),
  dated the start of that day.

Every mailbox call needs a bearer token from the fake's token endpoint
(``POST /oauth2/token``), bought with OAuth 2.0 client credentials and ``private_key_jwt``
(RFC 7523): the fake checks the assertion's signature against the certificate registered for
the client (by default the current seal certificate of the office with that address, as if the
office had registered it with the operator), its ``x5t#S256``, ``iss``/``sub``, ``aud`` (this
token endpoint), ``exp`` (not passed, at most 5 minutes after ``iat``) and ``jti`` (never seen
before). A token is good for 5 minutes and only for its own client's messages.

The evidence format is this fake's own (a statement, the parties, the times, the SHA-256 of
the item), not the operator's schema.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
import uuid
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.cache import cache
from django.utils import timezone
from lxml import etree
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from certauth.services.seals import office_seal
from signatures import services as signatures

from .edoreczenia import (
    CONTENT_CONSIGNMENT,
    CONTENT_HANDOVER,
    DEEMED_HANDOVER,
    SUBMISSION_ACCEPTANCE,
)
from .rules import start_of, ude_deemed_on

FAKE_BASE = "http://edoreczenia.fake"
FAKE_TOKEN_URL = f"{FAKE_BASE}/oauth2/token"
TOKEN_SECONDS = 300
MAX_ASSERTION_SECONDS = 300
OPERATOR_TERC = "EDFAKE"  # fits a TERC column (7 characters)
OPERATOR_NAME = "Operator wyznaczony (lokalna atrapa usługi e-Doręczenia)"
EVIDENCE_NS = "urn:sekap:edoreczenia-fake:dowod:1"
ADE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")
STATEMENTS = {
    SUBMISSION_ACCEPTANCE: "Dowód wysłania w rozumieniu ustawy o doręczeniach elektronicznych.",
    CONTENT_CONSIGNMENT: "Potwierdzenie wpłynięcia korespondencji na adres do doręczeń "
    "elektronicznych.",
    CONTENT_HANDOVER: "Dowód otrzymania w rozumieniu ustawy o doręczeniach elektronicznych "
    "(art. 41 ust. 1 pkt 1): korespondencja odebrana.",
    DEEMED_HANDOVER: "Dowód otrzymania w rozumieniu ustawy o doręczeniach elektronicznych "
    "(art. 41 ust. 1 pkt 3): upłynęło 14 dni od dnia wpłynięcia.",
}


def _key(kind: str, ident: str) -> str:
    return f"documents:edoreczenia-fake:{kind}:{ident}"


def _message(message_id: str) -> dict | None:
    return cache.get(_key("msg", message_id))


def _save(message: dict) -> None:
    cache.set(_key("msg", message["id"]), message, timeout=None)


def _evidence_xml(message: dict, event: str, at: dt.datetime, evidence_id: str) -> bytes:
    root = etree.Element(f"{{{EVIDENCE_NS}}}Dowod", nsmap={"d": EVIDENCE_NS})

    def add(tag: str, text: str) -> None:
        etree.SubElement(root, f"{{{EVIDENCE_NS}}}{tag}").text = text

    add("Identyfikator", evidence_id)
    add("Zdarzenie", event)
    add("Oswiadczenie", STATEMENTS[event])
    add("Nadawca", message["sender"])
    add("Adresat", message["recipient"])
    add("IdentyfikatorPrzesylki", message["id"])
    add("DataNadania", message["submitted_at"])
    add("DataZdarzenia", at.isoformat())
    add("DataWystawienia", timezone.now().isoformat())
    add("SkrotPrzesylkiSHA256", message["sha256"])
    add("Usluga", "PURDE (atrapa)")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    key, chain = office_seal(terc=OPERATOR_TERC, name=OPERATOR_NAME)
    return signatures.sign_enveloped(xml, key=key, cert_chain=chain, level="B-B")


def _issue(message: dict, event: str, at: dt.datetime) -> None:
    evidence_id = str(uuid.uuid4())
    xml = _evidence_xml(message, event, at, evidence_id)
    cache.set(
        _key("ev", evidence_id),
        {
            "event": event,
            "time": at.isoformat(),
            "message": message["id"],
            "xml": base64.b64encode(xml).decode(),
        },
        timeout=None,
    )
    message["evidences"].append(evidence_id)
    message["events"].append(event)


def _owned(kind: str, ident: str, client_id: str | None) -> bool:
    """Only the sender's own messages and evidence are shown to it."""
    if kind == "evidence":
        row = cache.get(_key("ev", ident))
        ident = row.get("message", "") if row else ""
    message = _message(ident)
    return message is None or message["sender"] == client_id


def _accept(payload: dict, client_id: str | None) -> tuple[int, dict]:
    if str(payload.get("sender", "")) != client_id:
        return 403, {"detail": "the sender is not the authenticated client"}
    correlation = str(payload.get("correlationId") or "")
    known = cache.get(_key("corr", correlation)) if correlation else None
    if known:
        return 201, {"messageId": known}
    recipients = payload.get("recipients") or []
    attachments = payload.get("attachments") or []
    if len(recipients) != 1 or not ADE.match(str(recipients[0].get("address", ""))):
        return 422, {"detail": "recipient is not an electronic delivery address"}
    if not attachments:
        return 422, {"detail": "no attachment"}
    content = base64.b64decode(attachments[0]["content"])
    now = timezone.now()
    message = {
        "id": f"MSG-{secrets.token_hex(8)}",
        "sender": str(payload.get("sender", "")),
        "recipient": recipients[0]["address"],
        "subject": str(payload.get("subject", "")),
        "sha256": hashlib.sha256(content).hexdigest(),
        "submitted_at": now.isoformat(),
        "arrived_at": now.isoformat(),
        "collected": False,
        "evidences": [],
        "events": [],
    }
    _issue(message, SUBMISSION_ACCEPTANCE, now)
    _issue(message, CONTENT_CONSIGNMENT, now)
    _save(message)
    if correlation:
        cache.set(_key("corr", correlation), message["id"], timeout=None)
    return 201, {"messageId": message["id"]}


def _deem_if_due(message: dict) -> None:
    if message["collected"] or DEEMED_HANDOVER in message["events"]:
        return
    arrived = timezone.localdate(dt.datetime.fromisoformat(message["arrived_at"]))
    due = start_of(ude_deemed_on(arrived_on=arrived))
    if timezone.now() >= due:
        _issue(message, DEEMED_HANDOVER, due)
        _save(message)


def collect(message_id: str, *, at: dt.datetime | None = None) -> bool:
    """The addressee collects the message in their box; False when it was not there or was
    already collected or deemed delivered."""
    message = _message(message_id)
    if message is None:
        return False
    _deem_if_due(message)
    if message["collected"] or DEEMED_HANDOVER in message["events"]:
        return False
    message["collected"] = True
    _issue(message, CONTENT_HANDOVER, at or timezone.now())
    _save(message)
    return True


def _listing(message_id: str) -> tuple[int, dict]:
    message = _message(message_id)
    if message is None:
        return 404, {"detail": "no such message"}
    _deem_if_due(message)
    rows = []
    for evidence_id in message["evidences"]:
        row = cache.get(_key("ev", evidence_id))
        rows.append({"id": evidence_id, "event": row["event"], "eventTime": row["time"]})
    return 200, {"messageId": message_id, "evidences": rows}


# --- client authentication (RFC 7523) and bearer tokens ---------------------------------------


def register_client(client_id: str, certificate: x509.Certificate) -> None:
    """Register ``certificate`` for ``client_id`` (what an office does in the operator's panel;
    without it the office's current seal certificate counts as registered)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    cache.set(_key("client", client_id), base64.b64encode(der).decode(), timeout=None)


def _registered(client_id: str) -> x509.Certificate | None:
    stored = cache.get(_key("client", client_id))
    if stored:
        return x509.load_der_x509_certificate(base64.b64decode(stored))
    from certauth.services.seals import seal_certificate
    from offices.models import Office

    office = Office.objects.filter(esp_address=client_id).only("terc").first()
    row = seal_certificate(terc=office.terc) if office is not None else None
    return x509.load_der_x509_certificate(bytes(row.der)) if row is not None else None


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_VERIFY = {"RS256": hashes.SHA256, "ES256": hashes.SHA256, "ES384": hashes.SHA384}


def _signature_valid(public_key, alg: str, signing_input: bytes, signature: bytes) -> bool:
    digest = _VERIFY.get(alg)
    try:
        if digest is None:
            return False
        if alg.startswith("RS") and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, signing_input, padding.PKCS1v15(), digest())
            return True
        if alg.startswith("ES") and isinstance(public_key, ec.EllipticCurvePublicKey):
            size = (public_key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            public_key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest()))
            return True
    except InvalidSignature:
        return False
    return False


def _assertion_client(form: dict[str, str]) -> tuple[str | None, str]:
    """The client id the assertion proves, or None and why not."""
    from .client_auth import ASSERTION_TYPE, thumbprint

    if form.get("grant_type") != "client_credentials":
        return None, "unsupported_grant_type"
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        return None, "client_assertion_type"
    try:
        head, body, sig = form.get("client_assertion", "").split(".")
        header, claims = json.loads(_b64decode(head)), json.loads(_b64decode(body))
        signature = _b64decode(sig)
    except (ValueError, TypeError):
        return None, "malformed assertion"
    client_id = str(claims.get("iss", ""))
    if (
        not client_id
        or claims.get("sub") != client_id
        or form.get("client_id", client_id) != (client_id)
    ):
        return None, "iss/sub"
    certificate = _registered(client_id)
    if certificate is None:
        return None, "unknown client"
    if header.get("x5t#S256") != thumbprint(certificate):
        return None, "x5t#S256"
    if not _signature_valid(
        certificate.public_key(), str(header.get("alg")), f"{head}.{body}".encode(), signature
    ):
        return None, "signature"
    audience = claims.get("aud")
    if FAKE_TOKEN_URL not in (audience if isinstance(audience, list) else [audience]):
        return None, "aud"
    now = timezone.now().timestamp()
    exp, iat = claims.get("exp"), claims.get("iat", now)
    if not isinstance(exp, int | float) or exp <= now or exp - iat > MAX_ASSERTION_SECONDS:
        return None, "exp"
    jti = str(claims.get("jti", ""))
    # replay: each jti is accepted once (kept until the assertion could no longer be used)
    if not jti or not cache.add(_key("jti", jti), 1, timeout=int(exp - now) + 60):
        return None, "jti replayed"
    return client_id, ""


def _token(body: bytes) -> tuple[int, dict]:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, reason = _assertion_client(form)
    if client_id is None:
        return 401, {"error": "invalid_client", "error_description": reason}
    token = secrets.token_urlsafe(32)
    cache.set(_key("token", token), client_id, timeout=TOKEN_SECONDS)
    return 200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                 "scope": form.get("scope", "")}  # fmt: skip


def _bearer(authorization: str) -> str | None:
    """The client the bearer token was issued to (None: no valid token)."""
    if not authorization.startswith("Bearer "):
        return None
    return cache.get(_key("token", authorization[7:].strip()))


_ROUTES = [
    ("POST", re.compile(r"^/ua/v3/messages$"), "send"),
    ("GET", re.compile(r"^/ua/v3/messages/(?P<id>[\w-]+)/evidences$"), "list"),
    ("GET", re.compile(r"^/ua/v3/evidences/(?P<id>[\w-]+)$"), "evidence"),
    ("POST", re.compile(r"^/ua/v3/messages/(?P<id>[\w-]+)/collect$"), "collect"),
]


def handle(method: str, path: str, body: bytes, authorization: str = "") -> tuple[int, str, bytes]:
    """Answer one HTTP request: (status, content type, body)."""
    if method == "POST" and path == "/oauth2/token":
        status, data = _token(body)
        return status, "application/json", json.dumps(data).encode()
    client_id = _bearer(authorization)
    for verb, pattern, name in _ROUTES:
        match = pattern.match(path)
        if verb != method or not match:
            continue
        if client_id is None and name != "collect":  # collecting is the addressee's side
            return 401, "application/json", b'{"error": "invalid_token"}'
        if name in ("list", "evidence") and not _owned(name, match["id"], client_id):
            return 404, "application/json", b'{"detail": "no such message"}'
        if name == "send":
            status, data = _accept(json.loads(body or b"{}"), client_id)
        elif name == "list":
            status, data = _listing(match["id"])
        elif name == "collect":
            status, data = (200, {}) if collect(match["id"]) else (409, {"detail": "not there"})
        else:
            row = cache.get(_key("ev", match["id"]))
            if row is None:
                return 404, "application/json", b'{"detail": "no such evidence"}'
            return 200, "application/xml", base64.b64decode(row["xml"])
        return status, "application/json", json.dumps(data).encode()
    return 404, "application/json", b'{"detail": "no such endpoint"}'


class FakeTransport(BaseAdapter):
    """A ``requests`` transport that hands each request to :func:`handle`."""

    def send(self, request: PreparedRequest, **kwargs) -> Response:
        path = (request.path_url or "/").split("?", 1)[0]
        body = request.body or b""
        status, content_type, content = handle(
            str(request.method),
            path,
            body if isinstance(body, bytes) else body.encode(),
            str(request.headers.get("Authorization", "")),
        )
        response = Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict({"Content-Type": content_type})
        response._content = content
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        return None


__all__ = ["FAKE_BASE", "FAKE_TOKEN_URL", "FakeTransport", "collect", "handle", "register_client"]
