"""Single logout with the node, both ways, over the SOAP back channel or the front channel.

Logging out of a session opened through the node sends a signed LogoutRequest to the node (after
the local logout is decided; a node that does not answer never keeps anyone logged in). The
node's own LogoutRequest (the person logged out elsewhere) ends the platform sessions it names.

Back channel (SOAP, as the node's integrators use it): the request and the answer travel
server to server. Front channel (HTTP-POST binding, ``NODELOGIN_SLO_BINDING=post`` when the
node's metadata offers it): the browser carries the signed LogoutRequest to the node and brings
the signed LogoutResponse back, or the other way round when the node starts. Every message is
an enveloped signature made with a key from the node's verified metadata, addressed
(``Destination``) to our endpoint, and a LogoutResponse must answer the request we sent.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_SOAP, samlp
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, NameID

from sekap import audit
from sekap.xmlsafe import XmlRejected, parse_untrusted

from . import conf, saml
from .errors import NodeLoginRefused, NodeUnavailable
from .metadata import current_node_metadata
from .models import NodeSession
from .soap import envelope
from .sp import SAML_NS, SAMLP_NS, SOAP_NS, _node_entity_id, _own_signature, transport

logger = logging.getLogger(__name__)
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def node_session_record(*, session_key: str, user, name_id: str, session_index: str) -> None:
    NodeSession.objects.create(
        session_key=session_key, user=user, name_id=name_id, session_index=session_index
    )


def node_logout(*, name_id: str, session_index: str, user) -> bool:
    """Tell the node the person logged out here; True when it confirmed (signed Success)."""
    NodeSession.objects.filter(session_index=session_index).delete()
    try:
        client = saml.sp_client(node_metadata=current_node_metadata())
        node_id = _node_entity_id(client)
        destination = client.metadata.single_logout_service(node_id, BINDING_SOAP, "idpsso")[0][
            "location"
        ]
        request_id, request = client.create_logout_request(
            destination,
            node_id,
            name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=name_id),
            session_indexes=[session_index],
            sign=True,
            sign_alg=saml.sp_sign_alg(),
            digest_alg=saml.DIGEST_ALG,
        )
        reply = transport()(destination, envelope(request))
        confirmed = _logout_response_ok(
            reply, request_id=request_id, node_id=node_id, client=client
        )
    except (NodeUnavailable, NodeLoginRefused, IndexError, KeyError) as exc:
        logger.warning("Single logout with the node failed: %r", exc)
        confirmed = False
    audit.record(
        actor=user,
        action="nodelogin.logged_out",
        target=user,
        after={"session_index": session_index, "node_confirmed": confirmed},
    )
    return confirmed


def _soap_message(body: bytes, tag: str) -> etree._Element:
    try:
        doc = parse_untrusted(body)
    except XmlRejected as exc:
        raise NodeLoginRefused(f"slo.malformed: {exc.code}") from exc
    soap_body = doc.root.find(f"{{{SOAP_NS}}}Body")
    if doc.duplicate_ids() or soap_body is None or len(soap_body) != 1:
        raise NodeLoginRefused("slo.malformed")
    if soap_body[0].tag != f"{{{SAMLP_NS}}}{tag}":
        raise NodeLoginRefused("slo.unexpected")
    return soap_body[0]


def _signed_by_node(element: etree._Element, msgtype: str, *, node_id: str, client) -> None:
    _own_signature(element, msgtype)
    if (element.findtext(f"{{{SAML_NS}}}Issuer") or "").strip() != node_id:
        raise NodeLoginRefused(f"{msgtype}.issuer")
    try:
        ok = client.sec.correctly_signed_message(
            etree.tostring(element).decode("utf-8"), msgtype, must=True
        )
    except Exception as exc:
        raise NodeLoginRefused(f"{msgtype}.signature") from exc
    if not ok:
        raise NodeLoginRefused(f"{msgtype}.signature")


def _logout_response_ok(reply: bytes, *, request_id: str, node_id: str, client) -> bool:
    answer = _soap_message(reply, "LogoutResponse")
    _signed_by_node(answer, "logout_response", node_id=node_id, client=client)
    status = answer.find(f"{{{SAMLP_NS}}}Status/{{{SAMLP_NS}}}StatusCode")
    return (
        answer.get("InResponseTo") == request_id
        and status is not None
        and (status.get("Value") == SUCCESS)
    )


def _end_sessions(request: etree._Element) -> list[str]:
    """End the platform sessions the node's LogoutRequest names; their session keys."""
    indexes = [el.text.strip() for el in request.findall(f"{{{SAMLP_NS}}}SessionIndex") if el.text]
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    ended = []
    for row in NodeSession.objects.filter(session_index__in=indexes).select_related("user"):
        store(session_key=row.session_key).delete()
        audit.record(
            actor=row.user,
            action="nodelogin.logged_out_by_node",
            target=row.user,
            after={"session_index": row.session_index},
        )
        ended.append(row.session_key)
        row.delete()
    return ended


def _logout_response(client, request: etree._Element, binding: str) -> str:
    parsed = samlp.logout_request_from_string(etree.tostring(request).decode("utf-8"))
    return str(
        client.create_logout_response(
            parsed,
            bindings=[binding],
            sign=True,
            sign_alg=saml.sp_sign_alg(),
            digest_alg=saml.DIGEST_ALG,
        )
    )


def node_logout_request_receive(body: bytes) -> bytes:
    """The node's LogoutRequest: end the sessions it names; a signed SOAP LogoutResponse."""
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    request = _soap_message(body, "LogoutRequest")
    _signed_by_node(request, "logout_request", node_id=node_id, client=client)
    _end_sessions(request)
    return envelope(_logout_response(client, request, BINDING_SOAP))


# --- the front channel (HTTP-POST binding) --------------------------------------------------


@dataclass(frozen=True)
class FrontChannelMessage:
    """A signed message the browser carries to the node in an auto-posted form."""

    destination: str
    field: str  # SAMLRequest or SAMLResponse
    message: str  # base64 of the signed XML
    relay_state: str
    request_id: str = ""


@dataclass(frozen=True)
class FrontChannelResult:
    """What came in on the front channel: our answer to a node's request (``reply``), or the
    node's answer to ours (``confirmed``); ``ended`` are the platform sessions it ended."""

    reply: FrontChannelMessage | None
    confirmed: bool
    ended: tuple[str, ...] = ()


def _front_destination(client, node_id: str) -> str | None:
    try:
        services = client.metadata.single_logout_service(node_id, BINDING_HTTP_POST, "idpsso")
    except (KeyError, IndexError):
        return None
    return services[0]["location"] if services else None


def node_logout_front_start(*, name_id: str, session_index: str, user) -> FrontChannelMessage:
    """Our logout over the front channel: a signed LogoutRequest for the browser to post to the
    node. Raises NodeUnavailable when the node's metadata offers no HTTP-POST logout."""
    NodeSession.objects.filter(session_index=session_index).delete()
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    destination = _front_destination(client, node_id)
    if not destination:
        raise NodeUnavailable()
    request_id, request = client.create_logout_request(
        destination,
        node_id,
        name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=name_id),
        session_indexes=[session_index],
        sign=True,
        sign_alg=saml.sp_sign_alg(),
        digest_alg=saml.DIGEST_ALG,
    )
    audit.record(
        actor=user,
        action="nodelogin.logged_out",
        target=user,
        after={"session_index": session_index, "binding": "post", "node_confirmed": None},
    )
    return FrontChannelMessage(
        destination=destination,
        field="SAMLRequest",
        message=base64.b64encode(str(request).encode("utf-8")).decode("ascii"),
        relay_state=secrets.token_urlsafe(16),
        request_id=request_id,
    )


def _front_message(value: str, tag: str) -> etree._Element:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NodeLoginRefused("slo.malformed") from exc
    try:
        doc = parse_untrusted(data)
    except XmlRejected as exc:
        raise NodeLoginRefused(f"slo.malformed: {exc.code}") from exc
    if doc.duplicate_ids():
        raise NodeLoginRefused("wrapping.duplicate_id")
    if doc.root.tag != f"{{{SAMLP_NS}}}{tag}":
        raise NodeLoginRefused("slo.unexpected")
    if doc.root.get("Destination") != conf.sp_url("nodelogin:slo_front"):
        raise NodeLoginRefused("slo.destination")
    return doc.root


def node_logout_front_receive(
    *, saml_request: str, saml_response: str, relay_state: str, expected_response_to: str
) -> FrontChannelResult:
    """A message the browser brought from the node: its LogoutRequest (end the sessions it
    names, answer with a signed LogoutResponse to post back) or its LogoutResponse to the
    request this browser carried (``expected_response_to``)."""
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    if saml_request:
        request = _front_message(saml_request, "LogoutRequest")
        _signed_by_node(request, "logout_request", node_id=node_id, client=client)
        ended = _end_sessions(request)
        destination = _front_destination(client, node_id)
        if not destination:
            raise NodeUnavailable()
        answer = _logout_response(client, request, BINDING_HTTP_POST)
        reply = FrontChannelMessage(
            destination=destination,
            field="SAMLResponse",
            message=base64.b64encode(answer.encode("utf-8")).decode("ascii"),
            relay_state=relay_state,
        )
        return FrontChannelResult(reply=reply, confirmed=False, ended=tuple(ended))
    answer = _front_message(saml_response, "LogoutResponse")
    _signed_by_node(answer, "logout_response", node_id=node_id, client=client)
    if not expected_response_to or answer.get("InResponseTo") != expected_response_to:
        raise NodeLoginRefused("logout_response.in_response_to")
    status = answer.find(f"{{{SAMLP_NS}}}Status/{{{SAMLP_NS}}}StatusCode")
    confirmed = status is not None and status.get("Value") == SUCCESS
    return FrontChannelResult(reply=None, confirmed=confirmed)
