"""Single logout with the node over the SOAP back channel, both ways.

Logging out of a session opened through the node sends a signed LogoutRequest to the node (after
the local logout is decided; a node that does not answer never keeps anyone logged in). The
node's own LogoutRequest (the person logged out elsewhere) ends the platform sessions it names.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string
from lxml import etree
from saml2 import BINDING_SOAP, samlp
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, NameID

from sekap import audit
from sekap.xmlsafe import XmlRejected, parse_untrusted

from . import saml
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


def node_logout_request_receive(body: bytes) -> bytes:
    """The node's LogoutRequest: end the sessions it names; a signed SOAP LogoutResponse."""
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    request = _soap_message(body, "LogoutRequest")
    _signed_by_node(request, "logout_request", node_id=node_id, client=client)
    indexes = [el.text.strip() for el in request.findall(f"{{{SAMLP_NS}}}SessionIndex") if el.text]
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    for row in NodeSession.objects.filter(session_index__in=indexes).select_related("user"):
        store(session_key=row.session_key).delete()
        audit.record(
            actor=row.user,
            action="nodelogin.logged_out_by_node",
            target=row.user,
            after={"session_index": row.session_index},
        )
        row.delete()
    parsed = samlp.logout_request_from_string(etree.tostring(request).decode("utf-8"))
    response = client.create_logout_response(
        parsed,
        bindings=[BINDING_SOAP],
        sign=True,
        sign_alg=saml.sp_sign_alg(),
        digest_alg=saml.DIGEST_ALG,
    )
    return envelope(response)
