"""The platform's side of the protocol: the AuthnRequest, resolving the artifact, the checks.

The answer to an ArtifactResolve is accepted only when all of these hold (otherwise
:class:`NodeLoginRefused` with a ``reason`` for the log):

* one SOAP Body holding one ArtifactResponse, no duplicate ID values anywhere (wrapping), its
  own enveloped signature (one Reference, to its own ID) made with a key from the node's
  metadata, issued by the node, InResponseTo our ArtifactResolve, status Success;
* inside it exactly one samlp:Response with exactly one EncryptedAssertion and no plaintext
  assertion; decrypted with the platform's key, exactly one Assertion, no duplicate IDs, its
  own signature referencing its own ID (the wrapping defences of the signature validator);
* then pysaml2's checks of the Response: the assertion's signature against the node's metadata,
  InResponseTo the AuthnRequest we sent in this browser session, Destination and Recipient our
  consumer URL, Audience our entity ID, NotBefore/NotOnOrAfter with ``NODELOGIN_CLOCK_SKEW``;
* the level of assurance at least the one requested; the attributes present, the PESEL valid;
* the artifact and the assertion ID never seen before (a database-backed replay cache).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from lxml import etree
from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST
from saml2.s_utils import sid
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED
from stdnum.pl import pesel as std_pesel

from sekap.xmlsafe import ParsedDocument, XmlRejected, parse_untrusted

from . import conf, keys, saml, xmlenc
from .errors import NodeLoginRefused, NodeUnavailable
from .metadata import current_node_metadata
from .models import UsedMessage
from .soap import envelope

logger = logging.getLogger(__name__)

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
REPLAY_WINDOW = dt.timedelta(hours=1)
_MARKER = "SEKAP-DECRYPTED-ASSERTION"

Transport = Callable[[str, bytes], bytes]


@dataclass(frozen=True)
class AuthnRequestOut:
    request_id: str
    sso_url: str
    saml_request: str  # base64, for the HTTP-POST binding


@dataclass(frozen=True)
class NodeIdentity:
    """Who the node vouches for, and how strongly."""

    pesel: str
    first_name: str
    last_name: str
    birth_date: dt.date | None
    loa: str
    name_id: str
    session_index: str
    issuer: str
    authenticated_at: dt.datetime


def authn_request_create() -> AuthnRequestOut:
    """A signed AuthnRequest asking for an artifact, the four attributes and the LoA."""
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    sso_url = client.sso_location(node_id, BINDING_HTTP_POST)
    request_id, request = client.create_authn_request(
        destination=sso_url,
        binding=BINDING_HTTP_ARTIFACT,
        sign=True,
        sign_alg=saml.sp_sign_alg(),
        digest_alg=saml.DIGEST_ALG,
        force_authn="true",
        is_passive="false",
        nameid_format=NAMEID_FORMAT_UNSPECIFIED,
        allow_create="true",
        provider_name="SEKAP",
    )
    encoded = base64.b64encode(str(request).encode("utf-8")).decode("ascii")
    return AuthnRequestOut(request_id=request_id, sso_url=sso_url, saml_request=encoded)


def _node_entity_id(client) -> str:
    ids = list(client.metadata.identity_providers())
    if len(ids) != 1:
        raise NodeUnavailable()
    return ids[0]


def requests_transport(url: str, body: bytes) -> bytes:
    """POST a SOAP message; the reply's body (never called inside a transaction)."""
    try:
        reply = requests.post(
            url,
            data=body,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": "http://www.oasis-open.org/committees/security",
            },
            timeout=conf.soap_timeout_seconds(),
        )
    except requests.RequestException as exc:
        raise NodeUnavailable() from exc
    if reply.status_code >= 500 and not reply.content:
        raise NodeUnavailable()
    return reply.content


def transport() -> Transport:
    """``NODELOGIN_SOAP_TRANSPORT`` if set; the fake node in-process when it is the node;
    otherwise HTTP."""
    name = getattr(settings, "NODELOGIN_SOAP_TRANSPORT", "")
    if name:
        return import_string(name)
    if conf.fake_enabled() and not conf.node_metadata_source():
        return import_string("sekap.nodelogin.fake.transport.in_process")
    return requests_transport


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _use_once(kind: str, value: str, *, reason: str) -> None:
    now = timezone.now()  # expired rows are purged by beat (records.login_records_purge)
    try:
        with transaction.atomic():
            UsedMessage.objects.create(
                kind=kind, digest=_digest(value), used_at=now, expires_at=now + REPLAY_WINDOW
            )
    except IntegrityError as exc:
        raise NodeLoginRefused(reason) from exc


def _parse(data: bytes, reason: str) -> ParsedDocument:
    try:
        doc = parse_untrusted(data)
    except XmlRejected as exc:
        raise NodeLoginRefused(f"{reason}: {exc.code}") from exc
    if doc.duplicate_ids():
        raise NodeLoginRefused("wrapping.duplicate_id")
    return doc


def _own_signature(element: etree._Element, what: str) -> None:
    """Exactly one enveloped signature, a direct child, whose one Reference is the element."""
    signatures = element.findall(f"{{{DS_NS}}}Signature")
    if not signatures:
        raise NodeLoginRefused(f"{what}.unsigned")
    if len(signatures) != 1:
        raise NodeLoginRefused(f"wrapping.{what}.signatures")
    references = signatures[0].findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != f"#{element.get('ID')}":
        raise NodeLoginRefused(f"wrapping.{what}.reference")
    if signatures[0].find(f"{{{DS_NS}}}Object") is not None:
        raise NodeLoginRefused(f"wrapping.{what}.object")


def _artifact_response(reply: bytes, *, resolve_id: str, node_id: str, client) -> etree._Element:
    doc = _parse(reply, "soap.malformed")
    body = doc.root.find(f"{{{SOAP_NS}}}Body")
    if doc.root.tag != f"{{{SOAP_NS}}}Envelope" or body is None or len(body) != 1:
        raise NodeLoginRefused("soap.malformed")
    answer = body[0]
    if answer.tag != f"{{{SAMLP_NS}}}ArtifactResponse":
        raise NodeLoginRefused("soap.not_artifact_response")
    _own_signature(answer, "artifact_response")
    if (answer.findtext(f"{{{SAML_NS}}}Issuer") or "").strip() != node_id:
        raise NodeLoginRefused("artifact_response.issuer")
    if answer.get("InResponseTo") != resolve_id:
        raise NodeLoginRefused("artifact_response.in_response_to")
    allowed = {f"{{{SAML_NS}}}Issuer", f"{{{DS_NS}}}Signature", f"{{{SAMLP_NS}}}Status"}
    responses = answer.findall(f"{{{SAMLP_NS}}}Response")
    others = [child for child in answer if child.tag not in allowed and child not in responses]
    if len(responses) > 1 or others:
        raise NodeLoginRefused("wrapping.artifact_response.content")
    if any(True for _ in answer.iter(f"{{{SAML_NS}}}Assertion")):
        raise NodeLoginRefused("assertion.not_encrypted")
    try:
        ok = client.sec.correctly_signed_message(
            etree.tostring(answer).decode("utf-8"), "artifact_response", must=True
        )
    except Exception as exc:
        raise NodeLoginRefused("artifact_response.signature") from exc
    if not ok:
        raise NodeLoginRefused("artifact_response.signature")
    status = answer.find(f"{{{SAMLP_NS}}}Status/{{{SAMLP_NS}}}StatusCode")
    if status is None or status.get("Value") != SUCCESS or not responses:
        raise NodeLoginRefused("artifact_response.status")
    return responses[0]


def _decrypt(response: etree._Element, encrypted: etree._Element, client) -> bytes:
    """The assertion's bytes: ECDH-ES (XML Encryption 1.1, our own code: xmlsec1 1.2 has no key
    agreement) for an EC key, RSA key transport through xmlsec1 for an RSA key."""
    key_file, _cert = saml.sp_keys()
    if keys.is_ec(key_file):
        data = encrypted.findall(f"{{{xmlenc.XENC}}}EncryptedData")
        if len(data) != 1 or len(encrypted) != 1:
            raise NodeLoginRefused("assertion.encrypted_data")
        try:
            return xmlenc.decrypt(
                encrypted_data=data[0],
                private_key=keys.private_key(key_file),
                fixed_info=conf.kdf_fixed_info(),
            )
        except xmlenc.XmlEncRefused as exc:
            raise NodeLoginRefused(f"assertion.decrypt: {exc.reason}") from exc
    try:
        clear = client.sec.decrypt_keys(etree.tostring(response).decode(), [key_file.read_text()])
    except Exception as exc:
        raise NodeLoginRefused("assertion.decrypt") from exc
    found = _parse(clear.encode("utf-8"), "assertion.malformed").root.findall(
        f"{{{SAML_NS}}}EncryptedAssertion/{{{SAML_NS}}}Assertion"
    )
    if len(found) != 1:
        raise NodeLoginRefused("wrapping.assertion.location")
    return etree.tostring(found[0])


def _decrypted_assertion(response: etree._Element, client) -> tuple[etree._Element, str]:
    """The one assertion, decrypted and checked for wrapping, and the response as text with the
    assertion in place of the EncryptedAssertion (spliced as text: it keeps every namespace
    declaration it was signed with) for pysaml2's checks."""
    encrypted = response.findall(f"{{{SAML_NS}}}EncryptedAssertion")
    if len(encrypted) != 1:
        raise NodeLoginRefused("assertion.count")
    clear = _decrypt(response, encrypted[0], client)
    doc = _parse(clear, "assertion.malformed")
    if doc.root.tag != f"{{{SAML_NS}}}Assertion":
        raise NodeLoginRefused("wrapping.assertion.location")
    if sum(1 for _ in doc.root.iter(f"{{{SAML_NS}}}Assertion")) != 1:
        raise NodeLoginRefused("wrapping.assertion.count")
    _own_signature(doc.root, "assertion")
    outer = parse_untrusted(etree.tostring(response)).root
    outer.replace(outer.find(f"{{{SAML_NS}}}EncryptedAssertion"), etree.Element(_MARKER))
    text = etree.tostring(outer).decode("utf-8")
    combined = text.replace(f"<{_MARKER}/>", etree.tostring(doc.root).decode("utf-8"), 1)
    if _parse(combined.encode("utf-8"), "assertion.malformed").duplicate_ids():
        raise NodeLoginRefused("wrapping.duplicate_id")
    return doc.root, combined


def _instant(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise NodeLoginRefused("time.malformed") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _check_times(element: etree._Element | None, what: str) -> None:
    if element is None:
        return
    skew = dt.timedelta(seconds=conf.clock_skew_seconds())
    now = timezone.now()
    not_before = _instant(element.get("NotBefore"))
    not_after = _instant(element.get("NotOnOrAfter"))
    if not_before is not None and now + skew < not_before:
        raise NodeLoginRefused(f"{what}.not_yet_valid")
    if not_after is not None and now - skew >= not_after:
        raise NodeLoginRefused(f"{what}.expired")


def _check_conditions(
    response: etree._Element, assertion: etree._Element, *, request_id: str, node_id: str
) -> None:
    """Who the answer is for and when: checked here with a reason for each (pysaml2 checks
    the same again)."""
    acs = conf.sp_url("nodelogin:acs")
    if response.get("Destination") != acs:
        raise NodeLoginRefused("response.destination")
    if response.get("InResponseTo") != request_id:
        raise NodeLoginRefused("response.in_response_to")
    if (assertion.findtext(f"{{{SAML_NS}}}Issuer") or "").strip() != node_id:
        raise NodeLoginRefused("assertion.issuer")
    conditions = assertion.find(f"{{{SAML_NS}}}Conditions")
    if conditions is None:
        raise NodeLoginRefused("assertion.conditions")
    _check_times(conditions, "assertion")
    audiences = [
        (a.text or "").strip()
        for a in conditions.findall(f"{{{SAML_NS}}}AudienceRestriction/{{{SAML_NS}}}Audience")
    ]
    if conf.sp_entity_id() not in audiences:
        raise NodeLoginRefused("assertion.audience")
    data = assertion.findall(
        f"{{{SAML_NS}}}Subject/{{{SAML_NS}}}SubjectConfirmation/"
        f"{{{SAML_NS}}}SubjectConfirmationData"
    )
    if len(data) != 1:
        raise NodeLoginRefused("assertion.subject_confirmation")
    if data[0].get("Recipient") != acs:
        raise NodeLoginRefused("assertion.recipient")
    if data[0].get("InResponseTo") != request_id:
        raise NodeLoginRefused("assertion.in_response_to")
    _check_times(data[0], "assertion")


def _loa_ok(loa: str) -> bool:
    got = loa.rsplit("/", 1)[-1]
    want = conf.requested_loa()
    return got in conf.LOA_ORDER and conf.LOA_ORDER.index(got) >= conf.LOA_ORDER.index(want)


def _identity(authn, node_id: str) -> NodeIdentity:
    ava = authn.ava or {}

    def one(name: str) -> str:
        values = ava.get(name) or []
        if len(values) != 1 or not str(values[0]).strip():
            raise NodeLoginRefused(f"attribute.{name}")
        return str(values[0]).strip()

    pesel = one("PersonIdentifier")
    if not std_pesel.is_valid(pesel):
        raise NodeLoginRefused("attribute.pesel_invalid")
    try:
        birth = dt.date.fromisoformat(one("DateOfBirth"))
    except ValueError as exc:
        raise NodeLoginRefused("attribute.date_of_birth") from exc
    statement = authn.assertion.authn_statement[0]
    loa = statement.authn_context.authn_context_class_ref.text.strip()
    if not _loa_ok(loa):
        raise NodeLoginRefused("loa.too_low")
    issuer = authn.assertion.issuer.text.strip() if authn.assertion.issuer is not None else ""
    if issuer != node_id:
        raise NodeLoginRefused("assertion.issuer")
    return NodeIdentity(
        pesel=pesel,
        first_name=one("CurrentGivenName"),
        last_name=one("CurrentFamilyName"),
        birth_date=birth,
        loa=loa.rsplit("/", 1)[-1],
        name_id=authn.assertion.subject.name_id.text.strip(),
        session_index=statement.session_index or "",
        issuer=issuer,
        authenticated_at=timezone.now(),
    )


def artifact_resolve(*, artifact: str, request_id: str) -> NodeIdentity:
    """Resolve ``artifact`` over the signed SOAP back channel and check the answer (above).

    ``request_id`` is the AuthnRequest this browser session sent. Makes an HTTP call: never
    inside a transaction.
    """
    if not request_id:
        raise NodeLoginRefused("in_response_to.no_request")
    if not artifact or len(artifact) > 200:
        raise NodeLoginRefused("artifact.malformed")
    _use_once(UsedMessage.Kind.ARTIFACT, artifact, reason="artifact.replayed")
    client = saml.sp_client(node_metadata=current_node_metadata())
    node_id = _node_entity_id(client)
    try:
        destination = client.artifact2destination(artifact, "idpsso")
    except Exception as exc:
        raise NodeLoginRefused("artifact.unknown_source") from exc
    if not destination:
        raise NodeLoginRefused("artifact.unknown_source")
    resolve_id, resolve = client.create_artifact_resolve(
        artifact,
        destination,
        sid(),
        sign=True,
        sign_alg=saml.sp_sign_alg(),
        digest_alg=saml.DIGEST_ALG,
    )
    message = envelope(resolve)
    reply = transport()(destination, message)
    inner = _artifact_response(reply, resolve_id=resolve_id, node_id=node_id, client=client)
    assertion, clear_response = _decrypted_assertion(inner, client)
    _check_conditions(inner, assertion, request_id=request_id, node_id=node_id)
    try:
        authn = client.parse_authn_request_response(
            base64.b64encode(clear_response.encode("utf-8")).decode("ascii"),
            BINDING_HTTP_ARTIFACT,
            outstanding={request_id: conf.sp_url("nodelogin:acs")},
        )
    except Exception as exc:
        raise NodeLoginRefused(_pysaml2_reason(exc)) from exc
    if authn is None or authn.assertion is None:
        raise NodeLoginRefused("response.empty")
    identity = _identity(authn, node_id)
    _use_once(UsedMessage.Kind.ASSERTION, authn.assertion.id, reason="assertion.replayed")
    return identity


def _pysaml2_reason(exc: Exception) -> str:
    """A short stable reason for the log from pysaml2's exception."""
    text = f"{type(exc).__name__}: {exc}"[:300]
    lowered = text.lower()
    for needle, reason in (
        ("audience", "assertion.audience"),
        ("not destined for me", "response.destination"),
        ("recipient", "assertion.recipient"),
        ("unsolicited", "response.in_response_to"),
        ("in_response_to", "response.in_response_to"),
        ("too old", "assertion.expired"),
        ("expired", "assertion.expired"),
        ("not_on_or_after", "assertion.expired"),
        ("signature", "assertion.signature"),
    ):
        if needle in lowered:
            return f"{reason} ({text})"
    return f"response.invalid ({text})"
