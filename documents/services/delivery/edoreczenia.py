"""The e-Doręczenia adapter: sending a letter through the public registered electronic delivery
service (PURDE) and fetching its evidence (dowód wysłania, dowód otrzymania), following the
published User Agent API 3.0.8 specification of the e-Doręczenia mailboxes (docs/decisions.md
says what was followed and what could not be verified):

* ``POST /{eDeliveryAddress}/messages`` with a ``Message`` (``messageMetadata`` addressed
  ``from``/``to`` by ``eDeliveryAddress``, ``shippingService`` "electronic", the sealed letter
  as an attachment) answers **202** with a ``messageTaskId``;
* ``GET /{eDeliveryAddress}/messages/tasks/{messageTaskId}/status`` says ``PENDING`` or
  ``FINISHED``; then ``GET …/messages/tasks/{messageTaskId}`` gives the ``messageId`` per
  addressee (or its ``error``);
* ``GET /{eDeliveryAddress}/messages/{messageId}/evidences`` lists the evidence (``Evidence``:
  ``evidenceId``, ``type`` coded ``A.1``…, ``eventDate``); ``GET
  /{eDeliveryAddress}/evidences/purde/{evidenceId}`` downloads one as bytes, the operator's
  signed XML, which is kept exactly as received;
* ``GET /{eDeliveryAddress}/messages/{messageId}?format=metadata`` gives the message's
  ``messageControlData.status`` ("Doręczona", "Uznana za doręczoną", …).

Every call goes over mutual TLS with the office's seal certificate, with an access token bound
to it (``client_auth``, RFC 8705); a token the service stops accepting (401) is bought again
once. Which endpoint: the setting ``DOCUMENTS_EDORECZENIA_PROVIDER``:

* ``"fake"`` (the embedded default and tests): the local fake operator of
  ``documents.services.delivery.edoreczenia_fake``, mounted in-process as the HTTP transport
  and handed the client certificate chain the adapter would present, so the same request and
  response code runs as in production, without a socket;
* an ``https://`` base URL of the mailbox API (``…/api/v1``): the real service, its token
  endpoint ``DOCUMENTS_EDORECZENIA_TOKEN_URL``, its server certificate checked against
  ``DOCUMENTS_EDORECZENIA_CA_BUNDLE`` (the system's roots when empty).

Never call this inside a database transaction (checked): it is called from the idempotent,
retried task ``documents.tasks.delivery_send`` and from the beat sweep, after commit.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection
from requests.adapters import HTTPAdapter

from sekap.xmlsafe import XmlRejected, parse_untrusted

from ...errors import DeliveryUnavailable
from .client_auth import (
    ClientIdentity,
    OfficeClient,
    access_token,
    client_identity,
    forget_token,
    ssl_context,
    thumbprint,
)

TIMEOUT = (5, 30)
# evidence type codes of the specification's ``Evidence.type`` (numbered as ETSI EN 319 522-1)
SUBMISSION_ACCEPTANCE = "A.1"  # dowód wysłania
SUBMISSION_REJECTION = "A.2"
CONTENT_CONSIGNMENT = "D.1"  # the item arrived at the addressee's address (wpłynięcie)
CONTENT_HANDOVER = "E.1"  # dowód otrzymania (collected, or deemed after 14 days)
# ``MessageControlData.status`` values that say how the dowód otrzymania came about
STATUS_DELIVERED = "Doręczona"
STATUS_DEEMED = "Uznana za doręczoną"


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    type: str
    event_time: dt.datetime
    xml: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    sender: OfficeClient  # the sending office: its address and the seal that logs it in
    recipient_ade: str
    subject: str
    document: bytes
    document_name: str
    case_sign: str = ""


class Rejected(Exception):
    """The service refused the message (a wrong address): sending again will not help."""


class InsideTransaction(RuntimeError):
    """The adapter was called inside a database transaction (a network call would hold it)."""


def _outside_transaction() -> None:
    # the test runner's own per-test transaction does not count; any other atomic block does
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise InsideTransaction("e-Doręczenia must not be called inside a transaction")


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class MutualTls(HTTPAdapter):
    """An HTTPS transport presenting the office's seal certificate."""

    def __init__(self, context) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._context
        return super().init_poolmanager(*args, **kwargs)


_contexts: dict[tuple[str, str], object] = {}


def _tls_context(identity: ClientIdentity, bundle: str):
    """The TLS client context of ``identity``, made once per process and certificate (loading
    the key writes it, encrypted, to a temporary file for a moment)."""
    key = (thumbprint(identity.certificate), bundle)
    context = _contexts.get(key)
    if context is None:
        if len(_contexts) >= 256:
            _contexts.clear()
        context = _contexts[key] = ssl_context(identity, ca_bundle=bundle)
    return context


class _Connection:
    """One office's session with the service: its identity, transport and token endpoint."""

    def __init__(self, client: OfficeClient) -> None:
        self.client = client
        self.identity: ClientIdentity = client_identity(client)
        provider = str(getattr(settings, "DOCUMENTS_EDORECZENIA_PROVIDER", "fake") or "fake")
        self.session = requests.Session()
        self.verify: bool | str = True
        if provider == "fake":
            from .edoreczenia_fake import FAKE_API, FAKE_ORIGIN, FAKE_TOKEN_URL, FakeTransport

            self.session.mount(FAKE_ORIGIN, FakeTransport(client_chain=self.identity.chain_der))
            self.base, self.token_url = FAKE_API, FAKE_TOKEN_URL
        else:
            bundle = str(getattr(settings, "DOCUMENTS_EDORECZENIA_CA_BUNDLE", "") or "")
            self.session.mount("https://", MutualTls(_tls_context(self.identity, bundle)))
            self.verify = bundle or True
            self.base = provider.rstrip("/")
            self.token_url = str(getattr(settings, "DOCUMENTS_EDORECZENIA_TOKEN_URL", ""))

    def _post_token(self, url: str, data: dict[str, str]) -> dict:
        try:
            response = self.session.post(url, data=data, timeout=TIMEOUT, verify=self.verify)
        except requests.RequestException as exc:
            raise DeliveryUnavailable() from exc
        if response.status_code != 200:
            raise DeliveryUnavailable()  # refused login: nothing sent, tried again later
        return response.json()

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        _outside_transaction()
        mailbox = quote(self.client.client_id, safe="")
        url = f"{self.base}/{mailbox}{path}"
        for attempt in range(2):
            token = access_token(client=self.client, identity=self.identity,
                                 token_url=self.token_url, post=self._post_token)  # fmt: skip
            try:
                response = self.session.request(
                    method, url, timeout=TIMEOUT, verify=self.verify,
                    headers={"Authorization": f"Bearer {token}"}, **kwargs,
                )  # fmt: skip
            except requests.RequestException as exc:
                raise DeliveryUnavailable() from exc
            if response.status_code == 401 and attempt == 0:
                # expired or revoked: log in again, once
                forget_token(client=self.client, identity=self.identity, token_url=self.token_url)
                continue
            break
        if response.status_code == 400:
            raise Rejected(response.text[:300])
        if response.status_code >= 300 or response.status_code < 200:
            raise DeliveryUnavailable()
        return response


def submit(item: Outgoing) -> str:
    """Hand the message to the service; returns its ``messageTaskId`` (202)."""
    document = item.document
    metadata: dict = {
        "from": {"eDeliveryAddress": item.sender.client_id},
        "to": [{"eDeliveryAddress": item.recipient_ade}],
        "subject": item.subject,
        "shippingService": "electronic",
    }
    if item.case_sign:
        metadata["caseId"] = item.case_sign
    message = {
        "messageMetadata": metadata,
        "attachments": [
            {
                "order": 1,
                "file": {
                    "fileMetadata": {
                        "fileId": str(uuid.uuid4()).upper(),
                        "filename": item.document_name,
                        "contentType": "application/xml",
                        "size": len(document),
                        "alg": "SHA-3",
                        "hash": base64.b64encode(hashlib.sha3_256(document).digest()).decode(),
                    },
                    "file": base64.b64encode(document).decode(),
                },
            }
        ],
    }
    response = _Connection(item.sender).call("POST", "/messages", json=message)
    if response.status_code != 202:
        raise DeliveryUnavailable()
    return str(response.json()["messageTaskId"])


def task_message_id(task_id: str, *, client: OfficeClient) -> str | None:
    """The ``messageId`` the task made for our one addressee; None while it is ``PENDING``.
    Raises ``Rejected`` when the task finished with an error for the addressee."""
    link = _Connection(client)
    task = quote(task_id, safe="")
    status = link.call("GET", f"/messages/tasks/{task}/status").json()
    if status.get("messageTaskStatus") != "FINISHED":
        return None
    rows = link.call("GET", f"/messages/tasks/{task}").json()
    for row in rows:
        if row.get("messageId"):
            return str(row["messageId"])
    detail = "; ".join(f"{r.get('error', '')}: {r.get('error_description', '')}" for r in rows)
    raise Rejected(detail or "the message task made no message")


def evidences(message_id: str, *, client: OfficeClient) -> list[Evidence]:
    """Every evidence the service published for the message so far, oldest first, each as the
    exact signed XML it serves (checked to be well-formed by the project's hardened parser)."""
    link = _Connection(client)
    ident = quote(message_id, safe="")
    listing = link.call(
        "GET", f"/messages/{ident}/evidences",
        params={"sortColumn": "eventDate", "sortDirection": "asc"},
    ).json()  # fmt: skip
    found = []
    for entry in listing.get("evidences", []):
        evidence_id = str(entry["evidenceId"])
        xml = link.call("GET", f"/evidences/purde/{quote(evidence_id, safe='')}").content
        try:
            parse_untrusted(xml)
        except XmlRejected as exc:
            raise DeliveryUnavailable() from exc
        found.append(
            Evidence(evidence_id=evidence_id, type=str(entry.get("type", "")),
                     event_time=_iso(str(entry["eventDate"])), xml=xml)
        )  # fmt: skip
    return sorted(found, key=lambda e: e.event_time)


def message_status(message_id: str, *, client: OfficeClient) -> str:
    """The message's ``messageControlData.status`` (read in the ``metadata`` format, which
    does not count as opening it)."""
    ident = quote(message_id, safe="")
    rows = (
        _Connection(client).call("GET", f"/messages/{ident}", params={"format": "metadata"}).json()
    )
    return str((rows[0].get("messageControlData") or {}).get("status", "")) if rows else ""


__all__ = [
    "CONTENT_CONSIGNMENT",
    "CONTENT_HANDOVER",
    "STATUS_DEEMED",
    "STATUS_DELIVERED",
    "SUBMISSION_ACCEPTANCE",
    "SUBMISSION_REJECTION",
    "Evidence",
    "InsideTransaction",
    "OfficeClient",
    "Outgoing",
    "Rejected",
    "evidences",
    "message_status",
    "submit",
    "task_message_id",
]
