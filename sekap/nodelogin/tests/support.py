"""Driving the login through the fake node from tests, and a node that answers wrongly.

``begin`` walks a test client through the platform's AuthnRequest and the fake node's check of
it; ``finish`` puts a Response behind a new artifact and brings the browser back to the
platform with it. ``scripted`` makes the back channel answer with what a test builds (a node
that signs with the wrong key, a man in the middle that wraps the assertion).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from lxml import etree

from sekap.nodelogin import conf
from sekap.nodelogin.fake import node
from sekap.nodelogin.fake.people import PEOPLE
from sekap.nodelogin.keys import ensure_key_pair
from sekap.nodelogin.soap import envelope
from sekap.xmlsafe import parse_untrusted

ANNA, JAN, ZOFIA, PIOTR = PEOPLE
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# The back channel's answer when a test scripts it: a function of the ArtifactResolve's bytes.
SCRIPT: list[Callable[[bytes], bytes]] = []


def scripted(url: str, body: bytes) -> bytes:
    return SCRIPT[-1](body)


def evil_keys():
    """A key pair nobody registered: what an impostor of the node would sign with."""
    d, algorithm = conf.key_dir(), conf.key_algorithm()
    return ensure_key_pair(
        key_file=d / f"impostor-{algorithm}.key",
        cert_file=d / f"impostor-{algorithm}.crt",
        common_name="x",
        algorithm=algorithm,
    )


def begin(client, *, next_url: str = "/") -> tuple[node.PendingRequest, str]:
    """Start a login; the fake node accepted the AuthnRequest. (pending request, RelayState)."""
    page = client.post("/konto/login-gov-pl/", {"next": next_url})
    assert page.status_code == 200, page.content[:500]
    html = page.content.decode()
    sso = re.search(r'action="([^"]+)" id="to-node"', html).group(1)
    fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]+)"', html))
    answer = client.post(urlsplit(sso).path, fields)
    assert answer.status_code == 302, answer.content[:500]
    pending = node.PendingRequest(**client.session["fakenode_request"])
    return pending, fields["RelayState"]


def acs_url(artifact: str, relay_state: str) -> str:
    return "/konto/login-gov-pl/odpowiedz/?" + urlencode(
        {"SAMLart": artifact, "RelayState": relay_state}
    )


def finish(client, pending: node.PendingRequest, relay_state: str, response: str):
    """Put ``response`` behind a new artifact and send the browser back to the platform."""
    artifact = node.artifact_issue(response=response)
    return client.get(acs_url(artifact, relay_state))


def login_as(client, person=ANNA, *, loa: str = "substantial"):
    pending, relay = begin(client)
    return finish(
        client, pending, relay, node.response_xml(pending=pending, person=person, loa=loa)
    )


def artifact_response_with(body: bytes, response: str, *, sign: bool = True, keys=None) -> bytes:
    """A node's answer to the ArtifactResolve in ``body`` carrying ``response``."""
    resolve = parse_untrusted(body).root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    return envelope(
        node.artifact_response_xml(
            in_response_to=resolve.get("ID"), response=response, sign=sign, keys=keys
        )
    )


def wrapped_response(*, pending: node.PendingRequest, victim, attacker) -> str:
    """XML signature wrapping (Somorovsky et al. 2012): a forged assertion about ``victim``
    with the same ID as the attacker's genuinely signed one, which is moved into the forged
    assertion's Advice so the signature still finds "its" element; then encrypted to the
    platform (its certificate is public)."""
    genuine = parse_untrusted(
        node.response_xml(pending=pending, person=attacker, encrypt=False).encode()
    ).root
    assertion = genuine.find(f"{{{SAML_NS}}}Assertion")
    forged = parse_untrusted(etree.tostring(assertion)).root
    for value in forged.iter(f"{{{SAML_NS}}}AttributeValue"):
        if value.text == attacker.pesel:
            value.text = victim.pesel
    name_id = forged.find(f"{{{SAML_NS}}}Subject/{{{SAML_NS}}}NameID")
    name_id.text = victim.pesel
    # The forged copy keeps the genuine signature; the genuine assertion hides in its Advice.
    advice = etree.SubElement(forged, f"{{{SAML_NS}}}Advice")
    advice.append(parse_untrusted(etree.tostring(assertion)).root)
    conditions = forged.find(f"{{{SAML_NS}}}Conditions")
    conditions.addnext(advice)
    genuine.replace(assertion, forged)
    return node.encrypt_assertion(response_xml=etree.tostring(genuine).decode())


def unreachable(url: str, body: bytes) -> bytes:
    from sekap.nodelogin.errors import NodeUnavailable

    raise NodeUnavailable()


HTTP_CALLS: list[str] = []


def http_recording(url: str, body: bytes) -> bytes:
    """The real HTTP transport, remembering where it went."""
    from sekap.nodelogin.sp import requests_transport

    HTTP_CALLS.append(url)
    return requests_transport(url, body)
