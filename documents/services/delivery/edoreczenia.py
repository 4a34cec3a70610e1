"""The e-Doręczenia adapter: sending a letter through the public registered electronic delivery
service (PURDE) and fetching its evidence (dowód wysłania, dowód otrzymania).

It speaks HTTP in the shape of the national service's mailbox interface (User Agent API:
a message is sent to one or more electronic delivery addresses, ADE, and the operator then
publishes signed evidence per message, which the sender lists and downloads as XML; the
exact contract is the operator's, see docs/decisions.md for what was followed and what is not
verified). Which endpoint it talks to is the setting ``DOCUMENTS_EDORECZENIA_PROVIDER``:

* ``"fake"`` (the embedded default and tests): the local fake operator of
  ``documents.services.delivery.edoreczenia_fake``, mounted in-process as the HTTP transport,
  so the same request/response code runs as in production, without a socket;
* an ``https://`` base URL: the real service.

Every call carries an access token the office bought at the operator's authorization server
(``DOCUMENTS_EDORECZENIA_TOKEN_URL``; the fake's own for ``"fake"``) with OAuth 2.0 client
credentials and ``private_key_jwt`` client authentication: a JWT signed with the office's seal
key (``client_auth``, RFC 7523). A token the service stops accepting (401) is bought again once.

Never call this inside a database transaction: it is called from the idempotent, retried task
``documents.tasks.delivery_send`` and from the beat sweep, after commit.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

import requests
from django.conf import settings

from sekap.xmlsafe import XmlRejected, parse_untrusted

from ...errors import DeliveryUnavailable
from .client_auth import OfficeClient, access_token, forget_token

TIMEOUT = (5, 30)
# ETSI EN 319 522 event codes the evidence carries (REFERENCE §2.1, ETSI mapping)
SUBMISSION_ACCEPTANCE = "SubmissionAcceptance"  # dowód wysłania
CONTENT_CONSIGNMENT = "ContentConsignment"  # the item is in the addressee's box
CONTENT_HANDOVER = "ContentHandover"  # dowód otrzymania: collected
DEEMED_HANDOVER = "ContentHandoverDeemed"  # dowód otrzymania: 14 days without collection


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    event: str
    event_time: dt.datetime
    xml: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    correlation_id: str  # our delivery's public id: sending it twice sends one message
    sender: OfficeClient  # the sending office: its address and the seal that logs it in
    recipient_ade: str
    subject: str
    document: bytes
    document_name: str


class Rejected(Exception):
    """The service refused the message (a wrong address): sending again will not help."""


def _endpoint() -> tuple[requests.Session, str, str]:
    """A session, the service's base URL and its token endpoint."""
    provider = str(getattr(settings, "DOCUMENTS_EDORECZENIA_PROVIDER", "fake") or "fake")
    session = requests.Session()
    if provider == "fake":
        from .edoreczenia_fake import FAKE_BASE, FAKE_TOKEN_URL, FakeTransport

        session.mount(FAKE_BASE, FakeTransport())
        return session, FAKE_BASE, FAKE_TOKEN_URL
    token_url = str(getattr(settings, "DOCUMENTS_EDORECZENIA_TOKEN_URL", ""))
    return session, provider.rstrip("/"), token_url


def _token_post(session: requests.Session):
    def post(url: str, data: dict[str, str]) -> dict:
        try:
            response = session.post(url, data=data, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DeliveryUnavailable() from exc
        if response.status_code != 200:
            raise DeliveryUnavailable()  # refused login: nothing sent, tried again later
        return response.json()

    return post


def _call(method: str, path: str, *, client: OfficeClient, **kwargs) -> requests.Response:
    session, base, token_url = _endpoint()
    for attempt in range(2):
        token = access_token(client=client, token_url=token_url, post=_token_post(session))
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        try:
            response = session.request(
                method, f"{base}{path}", timeout=TIMEOUT, headers=headers, **kwargs
            )
        except requests.RequestException as exc:
            raise DeliveryUnavailable() from exc
        if response.status_code == 401 and attempt == 0:
            forget_token(client=client, token_url=token_url)  # expired or revoked: log in again
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            continue
        break
    if response.status_code in (400, 404, 422):
        raise Rejected(response.text[:300])
    if response.status_code >= 300:
        raise DeliveryUnavailable()
    return response


def send(item: Outgoing) -> str:
    """Hand the message to the service; returns its message id (the same id when sent twice
    with the same ``correlation_id``)."""
    response = _call(
        "POST",
        "/ua/v3/messages",
        client=item.sender,
        json={
            "correlationId": item.correlation_id,
            "sender": item.sender.client_id,
            "recipients": [{"address": item.recipient_ade}],
            "subject": item.subject,
            "attachments": [
                {
                    "name": item.document_name,
                    "contentType": "application/xml",
                    "content": base64.b64encode(item.document).decode(),
                }
            ],
        },
        headers={"Idempotency-Key": item.correlation_id},
    )
    return str(response.json()["messageId"])


def evidences(message_id: str, *, client: OfficeClient) -> list[Evidence]:
    """Every evidence the service published for the message so far, oldest first, each as the
    exact signed XML it serves (checked to be well-formed by the project's hardened parser)."""
    listing = _call("GET", f"/ua/v3/messages/{message_id}/evidences", client=client).json()
    found = []
    for entry in listing.get("evidences", []):
        xml = _call("GET", f"/ua/v3/evidences/{entry['id']}", client=client).content
        try:
            parse_untrusted(xml)
        except XmlRejected as exc:
            raise DeliveryUnavailable() from exc
        found.append(
            Evidence(
                evidence_id=str(entry["id"]),
                event=str(entry["event"]),
                event_time=dt.datetime.fromisoformat(entry["eventTime"]),
                xml=xml,
            )
        )
    return sorted(found, key=lambda e: e.event_time)


__all__ = [
    "CONTENT_CONSIGNMENT",
    "CONTENT_HANDOVER",
    "DEEMED_HANDOVER",
    "SUBMISSION_ACCEPTANCE",
    "Evidence",
    "OfficeClient",
    "Outgoing",
    "Rejected",
    "evidences",
    "send",
]
