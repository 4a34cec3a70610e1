"""The fake node's protocol work (pysaml2's IdP side, with the artifact store in the cache).

Everything it receives is checked as the node would: the AuthnRequest's signature against the
platform's metadata, the ArtifactResolve's signature likewise; an artifact is answered once.
The keyword arguments of :func:`artifact_issue` beyond the person describe what the node says;
tests use them to make the node say something wrong (another audience, an expired assertion).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from django.core.cache import cache
from django.urls import reverse
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_SOAP, samlp
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.s_utils import sid
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server
from saml2.sigver import pre_encryption_part, pre_signature_part

from sekap.site import public_url
from sekap.xmlsafe import XmlRejected, parse_untrusted

from .. import conf, saml, xmlenc
from ..keys import certificate_base64, ensure_key_pair, is_ec, signature_algorithm
from ..soap import envelope
from .people import TestPerson

ARTIFACT_TTL = 5 * 60
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NATURAL_PERSON_NS = "http://eidas.europa.eu/attributes/naturalperson"
_MARKER = "SEKAP-NODE-ASSERTION"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"


class FakeNodeRefusal(Exception):
    """The fake node refuses a request (as the node would, with a SAML error)."""


def entity_id() -> str:
    return public_url(reverse("fakenode:metadata"))


def node_keys(name: str = "fake-node") -> tuple[Path, Path]:
    """The fake node's key pair: EC P-256 like the national node's (or RSA, by setting)."""
    d = conf.key_dir()
    algorithm = conf.key_algorithm()
    return ensure_key_pair(
        key_file=d / f"{name}-{algorithm}.key",
        cert_file=d / f"{name}-{algorithm}.crt",
        common_name="login.gov.pl (test)",
        algorithm=algorithm,
    )


def sign_alg(keys: tuple[Path, Path] | None = None) -> str:
    return signature_algorithm((keys or node_keys())[0])


def _config(*, keys: tuple[Path, Path], lifetime_minutes: int = 5) -> IdPConfig:
    key, cert = keys
    config = IdPConfig()
    config.load(
        {
            "entityid": entity_id(),
            "key_file": str(key),
            "cert_file": str(cert),
            "xmlsec_binary": saml.xmlsec_binary(),
            "attribute_map_dir": saml.ATTRIBUTE_MAP_DIR,
            "only_use_keys_in_metadata": True,
            "delete_tmpfiles": True,
            "metadata": {"inline": [saml.sp_metadata_xml()]},
            "service": {
                "idp": {
                    "name": "login.gov.pl (test)",
                    "endpoints": {
                        "single_sign_on_service": [
                            (public_url(reverse("fakenode:sso")), BINDING_HTTP_POST)
                        ],
                        "artifact_resolution_service": [
                            (public_url(reverse("fakenode:artifact")), BINDING_SOAP)
                        ],
                        "single_logout_service": [
                            (public_url(reverse("fakenode:slo")), BINDING_SOAP),
                            (public_url(reverse("fakenode:slo_front")), BINDING_HTTP_POST),
                        ],
                    },
                    "want_authn_requests_signed": True,
                    "name_id_format": [NAMEID_FORMAT_UNSPECIFIED],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime_minutes},
                            "name_form": NAME_FORMAT_URI,
                            "attribute_restrictions": None,
                        }
                    },
                }
            },
        }
    )
    return config


@functools.lru_cache(maxsize=16)
def _server(state: tuple, sp_metadata: str, keys: tuple[Path, Path], lifetime: int) -> Server:
    return Server(config=_config(keys=keys, lifetime_minutes=lifetime))


def server(*, keys: tuple[Path, Path] | None = None, lifetime_minutes: int = 5) -> Server:
    """The fake node's pysaml2 IdP (kept while its address and the platform's metadata stay)."""
    keys = keys or node_keys()
    state = (entity_id(), *(k.stat().st_mtime_ns for k in keys))
    return _server(state, saml.sp_metadata_xml(), keys, lifetime_minutes)


@functools.lru_cache(maxsize=8)
def _metadata(state: tuple) -> str:
    return create_metadata_string(
        None,
        config=_config(keys=node_keys()),
        sign=True,
        sign_alg=sign_alg(),
        digest_alg=saml.DIGEST_ALG,
    )


def metadata_xml() -> str:
    """The fake node's metadata, signed with its key (the platform verifies it like the real)."""
    return _metadata((entity_id(), *(k.stat().st_mtime_ns for k in node_keys())))


def metadata_signer_pem() -> bytes:
    return node_keys()[1].read_bytes()


# --- the browser leg: AuthnRequest in, artifact out --------------------------------------------


@dataclass(frozen=True)
class PendingRequest:
    request_id: str
    sp_entity_id: str
    acs_url: str
    loa: str
    relay_state: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def authn_request_receive(*, saml_request: str, relay_state: str) -> PendingRequest:
    """Check the platform's AuthnRequest (signature, binding, consumer URL) as the node does."""
    idp = server()
    try:
        parsed = idp.parse_authn_request(saml_request, BINDING_HTTP_POST)
    except Exception as exc:
        raise FakeNodeRefusal(f"AuthnRequest refused: {exc}") from exc
    if parsed is None:
        raise FakeNodeRefusal("AuthnRequest refused: not a valid request.")
    message = parsed.message
    if message.signature is None:
        raise FakeNodeRefusal("AuthnRequest refused: it is not signed.")
    if message.protocol_binding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact":
        raise FakeNodeRefusal("AuthnRequest refused: the node answers with an artifact only.")
    sp_id = message.issuer.text.strip()
    acs_urls = [
        location
        for location, _binding in [
            (s["location"], s["binding"])
            for d in idp.metadata[sp_id]["spsso_descriptor"]
            for s in d.get("assertion_consumer_service", [])
        ]
    ]
    if message.assertion_consumer_service_url not in acs_urls:
        raise FakeNodeRefusal("AuthnRequest refused: unknown AssertionConsumerServiceURL.")
    loa = "substantial"
    context = message.requested_authn_context
    if context is not None and context.authn_context_class_ref:
        loa = context.authn_context_class_ref[0].text.strip().rsplit("/", 1)[-1]
    return PendingRequest(
        request_id=message.id,
        sp_entity_id=sp_id,
        acs_url=message.assertion_consumer_service_url,
        loa=loa,
        relay_state=relay_state,
    )


def _identity(person: TestPerson) -> dict:
    return {
        "PersonIdentifier": [person.pesel],
        "CurrentGivenName": [person.first_name],
        "CurrentFamilyName": [person.last_name],
        "DateOfBirth": [person.birth_date.isoformat()],
    }


def response_xml(
    *,
    pending: PendingRequest,
    person: TestPerson,
    loa: str = "",
    audience: str = "",
    recipient: str = "",
    in_response_to: str = "",
    lifetime_minutes: int = 5,
    sign_assertion: bool = True,
    encrypt: bool = True,
    keys: tuple[Path, Path] | None = None,
) -> str:
    """The samlp:Response the node puts behind an artifact: one assertion about ``person``,
    signed by the node and encrypted to the platform's certificate (AES-256-GCM, RSA-OAEP)."""
    idp = server(keys=keys, lifetime_minutes=lifetime_minutes)
    sp_id = audience or pending.sp_entity_id
    response = idp.create_authn_response(
        identity=_identity(person),
        in_response_to=in_response_to or pending.request_id,
        destination=recipient or pending.acs_url,
        sp_entity_id=pending.sp_entity_id,
        name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=person.pesel),
        authn={
            "class_ref": conf.LOA_PREFIX + (loa or pending.loa),
            "authn_instant": int(dt.datetime.now(dt.UTC).timestamp()),
        },
        release_policy=Policy(
            {"default": {"lifetime": {"minutes": lifetime_minutes}, "name_form": NAME_FORMAT_URI}},
            mds=idp.metadata,
        ),
        sign_assertion=False,
        sign_response=False,
        encrypt_assertion=False,
        session_not_on_or_after=None,
    )
    root = parse_untrusted(str(response).encode("utf-8")).root
    assertion = root.find(f"{{{SAML_NS}}}Assertion")
    statement = assertion.find(f"{{{SAML_NS}}}AuthnStatement")
    session_open(session_index=statement.get("SessionIndex"), pesel=person.pesel)
    text = _node_assertion(assertion, audience=sp_id, sign=sign_assertion, keys=keys)
    root.replace(assertion, etree.Element(_MARKER))
    xml = etree.tostring(root).decode("utf-8").replace(f"<{_MARKER}/>", text, 1)
    return encrypt_assertion(response_xml=xml) if encrypt else xml


def _node_assertion(assertion: etree._Element, *, audience: str, sign: bool, keys) -> str:
    """The assertion for ``audience`` as the node writes its attributes (FriendlyName
    FirstName, FamilyName, DateOfBirth, PersonIdentifier; values typed
    ``naturalperson:…Type``), then signed."""
    standalone = parse_untrusted(etree.tostring(assertion)).root
    for element in standalone.iter(f"{{{SAML_NS}}}Audience"):
        element.text = audience
    for attribute in standalone.iter(f"{{{SAML_NS}}}Attribute"):
        local = attribute.get("Name", "").rsplit("/", 1)[-1]
        attribute.set("FriendlyName", saml.REQUESTED_ATTRIBUTES.get(local, local))
        for value in attribute.findall(f"{{{SAML_NS}}}AttributeValue"):
            value.set(f"{{{XSI_NS}}}type", f"naturalperson:{local}Type")
    etree.cleanup_namespaces(
        standalone,
        top_nsmap={"naturalperson": NATURAL_PERSON_NS},
        keep_ns_prefixes=["naturalperson"],
    )
    if not sign:
        return etree.tostring(standalone).decode("utf-8")
    idp = server(keys=keys)
    template = pre_signature_part(
        standalone.get("ID"),
        idp.sec.my_cert,
        2,  # Id="Signature2": the ArtifactResponse's is Signature1
        sign_alg=sign_alg(keys),
        digest_alg=saml.DIGEST_ALG,
    )
    standalone.find(f"{{{SAML_NS}}}Issuer").addnext(parse_untrusted(str(template).encode()).root)
    signed = idp.sec.sign_statement(
        etree.tostring(standalone).decode("utf-8"),
        node_name=f"{SAML_NS}:Assertion",
        node_id=standalone.get("ID"),
    )
    return _DECLARATION.sub("", signed, count=1)


def encrypt_assertion(*, response_xml: str) -> str:
    """Replace the response's saml:Assertion by an EncryptedAssertion for the platform's
    certificate, as the national node does: AES-256-GCM content, its key wrapped (AES-256 key
    wrap) under a key agreed by ECDH-ES with a fresh ephemeral key and ConcatKDF-SHA256. An RSA
    platform key gets RSA-OAEP key transport instead (``NODELOGIN_KEY_ALGORITHM=rsa``)."""
    doc = parse_untrusted(response_xml.encode("utf-8"))
    assertions = [el for el in doc.root if el.tag == f"{{{SAML_NS}}}Assertion"]
    if len(assertions) != 1:
        raise FakeNodeRefusal("The response must hold exactly one assertion to encrypt.")
    # Self-contained: the assertion keeps every namespace declaration it needs once it is
    # encrypted (spliced in as text; a tree would drop declarations its new parent repeats).
    standalone = etree.tostring(assertions[0])
    marker = etree.Element("SEKAP-ENCRYPTED-ASSERTION")
    doc.root.replace(assertions[0], marker)
    key, cert = saml.sp_keys()
    if is_ec(key):
        recipient = x509.load_pem_x509_certificate(cert.read_bytes())
        # ConcatKDF's fixed input as the node writes it: the key-wrap algorithm, the node's
        # host, the platform's entity ID (each Datalen || Data).
        params = xmlenc.KdfParams.node_style(
            wrap_algorithm=xmlenc.XENC + "kw-aes256",
            sender=urlsplit(entity_id()).hostname or "",
            recipient=conf.sp_entity_id(),
        )
        encrypted = xmlenc.encrypt(
            plaintext=standalone,
            recipient=recipient,
            params=params,
            fixed_info=conf.kdf_fixed_info(),
        )
        content = etree.tostring(encrypted).decode("utf-8")
    else:
        content = standalone.decode("utf-8")
    text = (
        etree.tostring(doc.root)
        .decode("utf-8")
        .replace(
            "<SEKAP-ENCRYPTED-ASSERTION/>",
            f'<saml:EncryptedAssertion xmlns:saml="{SAML_NS}">{content}</saml:EncryptedAssertion>',
        )
    )
    if is_ec(key):
        return text
    template = pre_encryption_part(
        msg_enc=AES256_GCM, key_enc=RSA_OAEP, encrypt_cert=certificate_base64(cert)
    )
    return server().sec.encrypt_assertion(text, str(cert), template, key_type="aes-256")


# --- artifacts: issued once, resolved once -----------------------------------------------------


def _artifact_key(artifact: str) -> str:
    return "nodelogin:fake:artifact:" + hashlib.sha256(artifact.encode("ascii")).hexdigest()


def artifact_issue(*, response: str) -> str:
    """Store ``response`` behind a new artifact (SAML 2.0 type 0x0004) and return it."""
    idp = server()
    artifact = idp.use_artifact(response, endpoint_index=1)  # the metadata's index
    cache.set(_artifact_key(artifact), response, timeout=ARTIFACT_TTL)
    return artifact


def _soap_body(body: bytes, tag: str) -> str:
    try:
        doc = parse_untrusted(body)
    except XmlRejected as exc:
        raise FakeNodeRefusal(f"Not XML: {exc.code}") from exc
    soap_body = doc.root.find(f"{{{SOAP_NS}}}Body")
    if doc.root.tag != f"{{{SOAP_NS}}}Envelope" or soap_body is None or len(soap_body) != 1:
        raise FakeNodeRefusal("Not a SOAP envelope with one message.")
    message = soap_body[0]
    if message.tag != f"{{{SAMLP_NS}}}{tag}" or doc.duplicate_ids():
        raise FakeNodeRefusal(f"Not a {tag}.")
    return etree.tostring(message).decode("utf-8")


def artifact_resolve_soap(body: bytes) -> bytes:
    """Answer a SOAP ArtifactResolve: check the platform's signature, hand out the stored
    response once, inside an ArtifactResponse signed by the node."""
    idp = server()
    resolve_xml = _soap_body(body, "ArtifactResolve")
    try:
        signed = idp.sec.correctly_signed_message(resolve_xml, "artifact_resolve", must=True)
    except Exception as exc:
        raise FakeNodeRefusal(f"ArtifactResolve signature refused: {exc}") from exc
    if not signed:
        raise FakeNodeRefusal("ArtifactResolve signature refused.")
    resolve = samlp.artifact_resolve_from_string(resolve_xml)
    key = _artifact_key(resolve.artifact.text.strip())
    stored = cache.get(key)
    cache.delete(key)  # an artifact is answered once
    answer = artifact_response_xml(in_response_to=resolve.id, response=stored)
    return envelope(answer)


def artifact_response_xml(
    *,
    in_response_to: str,
    response: str | None,
    sign: bool = True,
    keys: tuple[Path, Path] | None = None,
) -> str:
    """An ArtifactResponse around ``response`` (a samlp:Response as text, kept byte for byte),
    signed by the node; without a response, the Requester status (unknown or used artifact)."""
    idp = server(keys=keys)
    code = SUCCESS if response is not None else REQUESTER
    answer = samlp.ArtifactResponse(
        id=sid(),
        in_response_to=in_response_to,
        issue_instant=_now(),
        version="2.0",
        issuer=idp._issuer(),
        status=samlp.Status(status_code=samlp.StatusCode(value=code)),
    )
    root = parse_untrusted(str(answer).encode("utf-8")).root
    if response is not None:
        root.append(parse_untrusted(response.encode("utf-8")).root)
    if not sign:
        return etree.tostring(root).decode("utf-8")
    template = pre_signature_part(
        root.get("ID"), idp.sec.my_cert, 1, sign_alg=sign_alg(keys), digest_alg=saml.DIGEST_ALG
    )
    root.find(f"{{{SAML_NS}}}Issuer").addnext(parse_untrusted(str(template).encode()).root)
    return idp.sec.sign_statement(
        etree.tostring(root).decode("utf-8"),
        node_name=f"{SAMLP_NS}:ArtifactResponse",
        node_id=root.get("ID"),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- single logout ---------------------------------------------------------------------------


def _session_key(session_index: str) -> str:
    return "nodelogin:fake:session:" + hashlib.sha256(session_index.encode()).hexdigest()


def session_open(*, session_index: str, pesel: str) -> None:
    cache.set(_session_key(session_index), pesel, timeout=8 * 3600)


def session_is_open(session_index: str) -> bool:
    return cache.get(_session_key(session_index)) is not None


def logout_soap(body: bytes) -> bytes:
    """Answer the platform's signed SOAP LogoutRequest: end the node session, signed Success."""
    idp = server()
    _request, answer = _end_sessions(idp, _soap_body(body, "LogoutRequest"), BINDING_SOAP)
    return envelope(answer)


def _end_sessions(idp: Server, request_xml: str, binding: str):
    """A service's LogoutRequest, its signature checked: end the node sessions it names and
    return (request, signed LogoutResponse for ``binding``)."""
    try:
        signed = idp.sec.correctly_signed_message(request_xml, "logout_request", must=True)
    except Exception as exc:
        raise FakeNodeRefusal(f"LogoutRequest signature refused: {exc}") from exc
    if not signed:
        raise FakeNodeRefusal("LogoutRequest signature refused.")
    request = samlp.logout_request_from_string(request_xml)
    for index in request.session_index or []:
        cache.delete(_session_key(index.text.strip()))
    answer = idp.create_logout_response(
        request, bindings=[binding], sign=True, sign_alg=sign_alg(), digest_alg=saml.DIGEST_ALG
    )
    return request, answer


# --- single logout over the front channel (HTTP-POST) ----------------------------------------


@dataclass(frozen=True)
class FrontMessage:
    destination: str
    field: str
    message: str
    relay_state: str
    request_id: str = ""


def _sp_front_destination(idp: Server, sp_id: str) -> str:
    services = idp.metadata.single_logout_service(sp_id, BINDING_HTTP_POST, "spsso")
    if not services:
        raise FakeNodeRefusal("The service offers no front-channel logout.")
    return services[0]["location"]


def _front_xml(value: str, tag: str) -> str:
    try:
        data = base64.b64decode(value, validate=True)
        doc = parse_untrusted(data)
    except (binascii.Error, ValueError, XmlRejected) as exc:
        raise FakeNodeRefusal(f"Not a {tag}.") from exc
    if doc.root.tag != f"{{{SAMLP_NS}}}{tag}" or doc.duplicate_ids():
        raise FakeNodeRefusal(f"Not a {tag}.")
    if doc.root.get("Destination") != public_url(reverse("fakenode:slo_front")):
        raise FakeNodeRefusal(f"The {tag} is not addressed to the node.")
    return data.decode("utf-8")


def logout_front_receive(*, saml_request: str, relay_state: str) -> FrontMessage:
    """The service's signed LogoutRequest, brought by the browser: end the node session and
    answer with a signed LogoutResponse for the browser to post back."""
    idp = server()
    request, answer = _end_sessions(
        idp, _front_xml(saml_request, "LogoutRequest"), BINDING_HTTP_POST
    )
    return FrontMessage(
        destination=_sp_front_destination(idp, request.issuer.text.strip()),
        field="SAMLResponse",
        message=base64.b64encode(str(answer).encode("utf-8")).decode("ascii"),
        relay_state=relay_state,
    )


def logout_front_start(
    *, sp_entity_id: str, name_id: str, session_index: str, keys: tuple[Path, Path] | None = None
) -> FrontMessage:
    """The node's own logout (the person logged out at login.gov.pl): a signed LogoutRequest
    for the browser to post to the service's front-channel endpoint."""
    idp = server(keys=keys)
    destination = _sp_front_destination(idp, sp_entity_id)
    request_id, request = idp.create_logout_request(
        destination,
        sp_entity_id,
        name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=name_id),
        session_indexes=[session_index],
        sign=True,
        sign_alg=sign_alg(keys),
        digest_alg=saml.DIGEST_ALG,
    )
    cache.delete(_session_key(session_index))
    cache.set(_logout_key(request_id), True, timeout=ARTIFACT_TTL)
    return FrontMessage(
        destination=destination,
        field="SAMLRequest",
        message=base64.b64encode(str(request).encode("utf-8")).decode("ascii"),
        relay_state=secrets.token_urlsafe(16),
        request_id=request_id,
    )


def logout_front_answer(*, saml_response: str) -> bool:
    """The service's signed LogoutResponse to a request the node sent (each answered once):
    True when it confirms."""
    idp = server()
    answer_xml = _front_xml(saml_response, "LogoutResponse")
    try:
        signed = idp.sec.correctly_signed_message(answer_xml, "logout_response", must=True)
    except Exception as exc:
        raise FakeNodeRefusal(f"LogoutResponse signature refused: {exc}") from exc
    answer = samlp.logout_response_from_string(answer_xml)
    key = _logout_key(answer.in_response_to or "")
    sent = cache.get(key)
    cache.delete(key)
    return bool(signed and sent and answer.status.status_code.value == SUCCESS)


def _logout_key(request_id: str) -> str:
    return "nodelogin:fake:logout:" + hashlib.sha256(request_id.encode()).hexdigest()
