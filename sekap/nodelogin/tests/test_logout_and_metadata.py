"""Single logout both ways over the SOAP back channel; the node's metadata verified and
refreshed; the platform's metadata served."""

from __future__ import annotations

import pytest
from lxml import etree
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, NameID

from sekap.accounts.models import UserSession
from sekap.audit.models import AuditEntry
from sekap.nodelogin import metadata, saml
from sekap.nodelogin.fake import node
from sekap.nodelogin.models import NodeMetadata, NodeSession
from sekap.nodelogin.soap import envelope
from sekap.xmlsafe import parse_untrusted

from .support import ANNA, evil_keys, login_as

pytestmark = pytest.mark.django_db


def logged_in(client):
    login_as(client, ANNA)
    client.post(
        "/konto/login-gov-pl/nowe-konto/",
        {"create": "1", "create-email": "anna@example.test", "create-consent": "on"},
    )
    return client.session["nodelogin_session"]


def test_logging_out_ends_the_session_at_the_node_too(client):
    data = logged_in(client)
    assert node.session_is_open(data["session_index"])
    response = client.post("/konto/wylogowanie/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not node.session_is_open(data["session_index"])
    entry = AuditEntry.objects.get(action="nodelogin.logged_out")
    assert entry.after["node_confirmed"] is True
    assert not NodeSession.objects.exists()


def test_the_nodes_logout_request_ends_the_platform_session(client):
    data = logged_in(client)
    session_key = client.session.session_key
    assert UserSession.objects.filter(session_key=session_key).exists()
    idp = node.server()
    _id, request = idp.create_logout_request(
        "http://testserver/konto/login-gov-pl/wylogowanie/",
        saml.sp_config(node_metadata=None).entityid,
        name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=data["name_id"]),
        session_indexes=[data["session_index"]],
        sign=True,
        sign_alg=node.sign_alg(),
        digest_alg=saml.DIGEST_ALG,
    )
    answer = client.post(
        "/konto/login-gov-pl/wylogowanie/", envelope(request), content_type="text/xml"
    )
    assert answer.status_code == 200
    reply = parse_untrusted(answer.content).root
    status = reply.find(".//{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode")
    assert status.get("Value") == "urn:oasis:names:tc:SAML:2.0:status:Success"
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert client.get("/konto/profil/").status_code == 302  # logged out


def test_a_logout_request_not_signed_by_the_node_ends_nothing(client):
    data = logged_in(client)
    session_key = client.session.session_key
    impostor = node.server(keys=evil_keys())
    _id, request = impostor.create_logout_request(
        "http://testserver/konto/login-gov-pl/wylogowanie/",
        saml.sp_config(node_metadata=None).entityid,
        name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=data["name_id"]),
        session_indexes=[data["session_index"]],
        sign=True,
        sign_alg=node.sign_alg(evil_keys()),
        digest_alg=saml.DIGEST_ALG,
    )
    answer = client.post(
        "/konto/login-gov-pl/wylogowanie/", envelope(request), content_type="text/xml"
    )
    assert answer.status_code == 400
    assert UserSession.objects.filter(session_key=session_key).exists()


def test_the_platform_serves_its_signed_metadata(client):
    response = client.get("/konto/login-gov-pl/metadata/")
    assert response.status_code == 200
    root = parse_untrusted(response.content).root
    assert root.get("entityID") == "http://testserver/konto/login-gov-pl/metadata/"
    ns = {"md": "urn:oasis:names:tc:SAML:2.0:metadata"}
    acs = root.find("md:SPSSODescriptor/md:AssertionConsumerService", ns)
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    assert acs.get("Location") == "http://testserver/konto/login-gov-pl/odpowiedz/"
    uses = {k.get("use") for k in root.iterfind("md:SPSSODescriptor/md:KeyDescriptor", ns)}
    assert uses == {"signing", "encryption"}
    assert root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    assert root.find("md:SPSSODescriptor", ns).get("AuthnRequestsSigned") == "true"


@pytest.fixture
def configured_node(settings, tmp_path):
    """The node's metadata from a file and the certificate it must be signed with."""
    source = tmp_path / "node-metadata.xml"
    signer = tmp_path / "node-signer.pem"
    source.write_text(node.metadata_xml())
    signer.write_bytes(node.metadata_signer_pem())
    settings.NODELOGIN_NODE_METADATA_FILE = str(source)
    settings.NODELOGIN_NODE_METADATA_CERT = str(signer)
    return source, signer


def test_the_nodes_metadata_is_verified_stored_and_refreshed_idempotently(configured_node):
    first = metadata.node_metadata_refresh()
    assert first.entity_id == "http://testserver/login-gov-pl-test/metadata/"
    again = metadata.node_metadata_refresh()
    assert NodeMetadata.objects.count() == 1
    assert again.changed_at == first.changed_at and again.sha256 == first.sha256
    assert again.fetched_at >= first.fetched_at


def test_altered_metadata_is_refused_and_the_last_good_kept(configured_node):
    source, _signer = configured_node
    good = metadata.node_metadata_refresh()
    doc = parse_untrusted(source.read_bytes()).root
    location = doc.find(".//{urn:oasis:names:tc:SAML:2.0:metadata}ArtifactResolutionService")
    location.set("Location", "https://attacker.example/resolve")
    source.write_bytes(etree.tostring(doc))
    with pytest.raises(metadata.MetadataRejected):
        metadata.node_metadata_refresh()
    assert NodeMetadata.objects.get().sha256 == good.sha256


def test_metadata_signed_by_another_key_is_refused(configured_node, settings, tmp_path):
    other = tmp_path / "other.pem"
    other.write_bytes(evil_keys()[1].read_bytes())
    settings.NODELOGIN_NODE_METADATA_CERT = str(other)
    with pytest.raises(metadata.MetadataRejected):
        metadata.node_metadata_refresh()
    assert not NodeMetadata.objects.exists()


def test_the_login_works_with_the_configured_metadata(client, configured_node, settings):
    settings.NODELOGIN_SOAP_TRANSPORT = "sekap.nodelogin.fake.transport.in_process"
    assert login_as(client, ANNA)["Location"] == "/konto/login-gov-pl/nowe-konto/"
    assert NodeMetadata.objects.count() == 1


def test_a_logout_without_the_node_answering_still_logs_out(client, settings):
    logged_in(client)
    settings.NODELOGIN_SOAP_TRANSPORT = "sekap.nodelogin.tests.support.unreachable"
    assert client.post("/konto/wylogowanie/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="nodelogin.logged_out").after["node_confirmed"] is False
