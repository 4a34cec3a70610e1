"""The SAML exchange with the (fake) node: a valid login, and every answer that must be refused
with a clear message, logged and audited, and nobody logged in."""

from __future__ import annotations

import pytest
from django.utils import translation
from lxml import etree

from sekap.accounts.models import User
from sekap.audit.models import AuditEntry
from sekap.nodelogin.fake import node
from sekap.nodelogin.models import UsedMessage
from sekap.xmlsafe import parse_untrusted

from .support import (
    ANNA,
    DS_NS,
    JAN,
    SAMLP_NS,
    acs_url,
    artifact_response_with,
    begin,
    evil_keys,
    finish,
    login_as,
    wrapped_response,
)

pytestmark = pytest.mark.django_db

REFUSED_PL = "Logowanie przez login.gov.pl nie powiodło się"


@pytest.fixture(autouse=True)
def english(client):
    """Messages compared in English (the msgids); pages asked for in English too."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def refused_reason(response) -> str:
    assert response.status_code == 400, response.content[:300]
    assert b"Logging in through login.gov.pl did not succeed" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session
    entry = AuditEntry.objects.filter(action="nodelogin.refused").latest("pk")
    return entry.after["reason"]


def test_a_valid_login_brings_the_person_back_with_the_node_identity(client):
    response = login_as(client, ANNA)
    assert response.status_code == 302
    assert response["Location"] == "/konto/login-gov-pl/nowe-konto/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Anna Testowa" in page.content.decode()
    assert ANNA.pesel in page.content.decode()
    assert not User.objects.exists()  # nothing is created before the person chooses


def test_the_authn_request_is_signed_asks_for_an_artifact_the_loa_and_the_attributes(client):
    page = client.post("/konto/login-gov-pl/", {"next": "/"})
    import base64
    import re

    request = base64.b64decode(re.search(rb'name="SAMLRequest" value="([^"]+)"', page.content)[1])
    root = parse_untrusted(request).root
    assert root.get("ProtocolBinding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    assert root.find(f"{{{DS_NS}}}Signature") is not None
    ctx = root.find(f"{{{SAMLP_NS}}}RequestedAuthnContext")
    assert ctx.get("Comparison") == "minimum"
    assert ctx[0].text == "http://eidas.europa.eu/LoA/substantial"
    # As the node's integrators send it: eIDAS names with the node's FriendlyNames, required;
    # NameIDPolicy unspecified with AllowCreate, ForceAuthn, not passive, a ProviderName.
    names = {
        (a.get("Name").rsplit("/", 1)[-1], a.get("FriendlyName"), a.get("isRequired"))
        for a in root.iter("{*}RequestedAttribute")
    }
    assert names == {
        ("PersonIdentifier", "PersonIdentifier", "true"),
        ("CurrentGivenName", "FirstName", "true"),
        ("CurrentFamilyName", "FamilyName", "true"),
        ("DateOfBirth", "DateOfBirth", "true"),
    }
    assert root.find("{*}Extensions/{*}SPType").text == "public"
    policy = root.find(f"{{{SAMLP_NS}}}NameIDPolicy")
    assert policy.get("Format") == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    assert policy.get("AllowCreate") == "true"
    assert (root.get("ForceAuthn"), root.get("IsPassive")) == ("true", "false")
    assert root.get("ProviderName") == "SEKAP"
    signature = root.find(f"{{{DS_NS}}}Signature/{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    assert signature.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    # The node checks the signature: a changed request is refused by it.
    forged = base64.b64encode(request.replace(b"LoA/substantial", b"LoA/low")).decode()
    answer = client.post("/login-gov-pl-test/login/SingleSignOnService", {"SAMLRequest": forged})
    assert answer.status_code == 400


def test_a_replayed_artifact_is_refused(client):
    pending, relay = begin(client)
    artifact = node.artifact_issue(response=node.response_xml(pending=pending, person=ANNA))
    assert client.get(acs_url(artifact, relay)).status_code == 302
    client.logout()
    # The same artifact again, in a session that started a login of its own.
    pending, relay = begin(client)
    assert refused_reason(client.get(acs_url(artifact, relay))) == "artifact.replayed"


def test_an_artifact_the_node_already_answered_is_not_answered_again(client):
    """Even past our replay cache (emptied here), the node hands a response out once."""
    pending, relay = begin(client)
    artifact = node.artifact_issue(response=node.response_xml(pending=pending, person=ANNA))
    assert client.get(acs_url(artifact, relay)).status_code == 302
    UsedMessage.objects.all().delete()
    client.logout()
    pending, relay = begin(client)
    assert refused_reason(client.get(acs_url(artifact, relay))) == "artifact_response.status"


def test_an_expired_assertion_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, lifetime_minutes=-10)
    assert refused_reason(finish(client, pending, relay, response)) == "assertion.expired"


def test_an_assertion_signed_by_another_key_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, keys=evil_keys())
    reason = refused_reason(finish(client, pending, relay, response))
    assert reason.startswith("assertion.signature")


def test_an_unsigned_assertion_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, sign_assertion=False)
    assert refused_reason(finish(client, pending, relay, response)) == "assertion.unsigned"


def test_an_assertion_for_another_audience_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(
        pending=pending, person=ANNA, audience="https://other-service.example/metadata"
    )
    assert refused_reason(finish(client, pending, relay, response)) == "assertion.audience"


def test_a_response_for_another_recipient_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(
        pending=pending, person=ANNA, recipient="https://other-service.example/acs"
    )
    assert refused_reason(finish(client, pending, relay, response)) == "response.destination"


def test_a_response_to_another_request_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, in_response_to="id-not-ours")
    assert refused_reason(finish(client, pending, relay, response)) == "response.in_response_to"


def test_an_artifact_without_a_login_started_in_this_browser_is_refused(client):
    pending, relay = begin(client)
    artifact = node.artifact_issue(response=node.response_xml(pending=pending, person=ANNA))
    other = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    assert refused_reason(other.get(acs_url(artifact, relay))) == "relay_state.mismatch"


def test_a_plaintext_assertion_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, encrypt=False)
    assert refused_reason(finish(client, pending, relay, response)) == "assertion.not_encrypted"


def test_a_lower_level_of_assurance_than_asked_is_refused(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, loa="low")
    assert refused_reason(finish(client, pending, relay, response)) == "loa.too_low"


def test_a_wrapped_assertion_is_refused(client):
    """The attacker holds a genuine assertion about themselves (Jan) and tries to pass off
    Anna's PESEL under its signature."""
    pending, relay = begin(client)
    response = wrapped_response(pending=pending, victim=ANNA, attacker=JAN)
    assert refused_reason(finish(client, pending, relay, response)).startswith("wrapping.")
    assert not User.objects.exists()


def test_an_unsigned_artifact_response_is_refused(client, node_answers):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA)
    node_answers(lambda body: artifact_response_with(body, response, sign=False))
    reason = refused_reason(finish(client, pending, relay, response))
    assert reason == "artifact_response.unsigned"


def test_an_artifact_response_signed_by_another_key_is_refused(client, node_answers):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA)
    node_answers(lambda body: artifact_response_with(body, response, keys=evil_keys()))
    reason = refused_reason(finish(client, pending, relay, response))
    assert reason == "artifact_response.signature"


def test_a_second_response_smuggled_into_the_artifact_response_is_refused(client, node_answers):
    """Wrapping one level up: a forged Response beside the signed one."""
    pending, relay = begin(client)
    genuine = node.response_xml(pending=pending, person=JAN)
    forged = node.response_xml(pending=pending, person=ANNA)

    def smuggle(body: bytes) -> bytes:
        reply = parse_untrusted(artifact_response_with(body, genuine)).root
        answer = reply[0][0]
        answer.insert(1, parse_untrusted(forged.encode()).root)
        return etree.tostring(reply)

    node_answers(smuggle)
    reason = refused_reason(finish(client, pending, relay, genuine))
    assert reason.startswith("wrapping.")


def test_the_refusal_is_said_in_polish_by_default(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA, lifetime_minutes=-10)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "pl"
    page = finish(client, pending, relay, response)
    assert page.status_code == 400
    assert REFUSED_PL in page.content.decode()
