"""Single logout over the front channel (HTTP-POST binding), started by the platform and by
the node, against the fake node: every message signed, addressed and answered as it should."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from sekap.accounts.models import UserSession
from sekap.audit.models import AuditEntry
from sekap.nodelogin import saml
from sekap.nodelogin.fake import node
from sekap.nodelogin.models import NodeSession

from .support import ANNA, evil_keys, login_as

pytestmark = pytest.mark.django_db
SP_FRONT = "/konto/login-gov-pl/wylogowanie/przegladarka/"
NODE_FRONT = "/login-gov-pl-test/login/SingleLogoutService"


@pytest.fixture(autouse=True)
def front_channel(settings):
    settings.NODELOGIN_SLO_BINDING = "post"


def logged_in(client) -> dict:
    login_as(client, ANNA)
    client.post(
        "/konto/login-gov-pl/nowe-konto/",
        {"create": "1", "create-email": "anna@example.test", "create-consent": "on"},
    )
    return client.session["nodelogin_session"]


def form(response) -> tuple[str, dict[str, str]]:
    """The auto-posted form of a page: where it goes and its hidden fields."""
    assert response.status_code == 200, response.content[:300]
    text = response.content.decode()
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)" id="to-node"', text)[1])
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)
    }
    return urlsplit(action).path, fields


def test_our_logout_goes_to_the_node_through_the_browser_and_comes_back_confirmed(client):
    data = logged_in(client)
    assert node.session_is_open(data["session_index"])
    to_node, fields = form(client.post("/konto/wylogowanie/"))
    assert "_auth_user_id" not in client.session  # logged out here before the node answers
    assert not NodeSession.objects.exists()
    assert to_node == NODE_FRONT and "SAMLRequest" in fields
    entry = AuditEntry.objects.get(action="nodelogin.logged_out")
    assert entry.after["binding"] == "post"

    back, answer = form(client.post(to_node, fields))  # the node checks it and answers
    assert not node.session_is_open(data["session_index"])
    assert back == SP_FRONT and "SAMLResponse" in answer
    assert answer["RelayState"] == fields["RelayState"]
    done = client.post(back, answer)
    assert done.status_code == 302
    # The same answer again answers nothing we sent: refused.
    assert client.post(back, answer).status_code == 400


def test_a_logout_answer_not_signed_by_the_node_is_refused(client):
    logged_in(client)
    to_node, fields = form(client.post("/konto/wylogowanie/"))
    back, answer = form(client.post(to_node, fields))
    impostor = node.server(keys=evil_keys())
    import base64

    from saml2 import samlp

    request = samlp.logout_request_from_string(base64.b64decode(fields["SAMLRequest"]).decode())
    forged = impostor.create_logout_response(
        request,
        bindings=["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"],
        sign=True,
        sign_alg=node.sign_alg(evil_keys()),
        digest_alg=saml.DIGEST_ALG,
    )
    client.session.save()
    session = client.session
    session["nodelogin_logout_request"] = request.id
    session.save()
    answer["SAMLResponse"] = base64.b64encode(str(forged).encode()).decode()
    assert client.post(back, answer).status_code == 400


def test_the_nodes_logout_through_the_browser_ends_the_platform_session(client):
    data = logged_in(client)
    session_key = client.session.session_key
    sp_id = saml.sp_config(node_metadata=None).entityid
    start = node.logout_front_start(
        sp_entity_id=sp_id, name_id=data["name_id"], session_index=data["session_index"]
    )
    assert urlsplit(start.destination).path == SP_FRONT
    to_node, answer = form(
        client.post(SP_FRONT, {start.field: start.message, "RelayState": start.relay_state})
    )
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="nodelogin.logged_out_by_node").count() == 1
    assert to_node == NODE_FRONT and answer["RelayState"] == start.relay_state
    page = client.post(to_node, answer)
    assert page.status_code == 200
    assert page.context["confirmed"] is True  # the node checked our signed answer
    assert client.post(to_node, answer).context["confirmed"] is False  # answered once


@pytest.mark.parametrize("damage", ["impostor", "destination"])
def test_a_logout_request_the_node_did_not_send_ends_nothing(client, damage):
    data = logged_in(client)
    session_key = client.session.session_key
    sp_id = saml.sp_config(node_metadata=None).entityid
    keys = evil_keys() if damage == "impostor" else None
    start = node.logout_front_start(
        sp_entity_id=sp_id, name_id=data["name_id"], session_index=data["session_index"], keys=keys
    )
    message = start.message
    if damage == "destination":
        import base64

        xml = base64.b64decode(message).decode()
        # A request addressed elsewhere (re-signed would still be addressed elsewhere).
        xml = xml.replace(SP_FRONT, "/somewhere-else/")
        message = base64.b64encode(xml.encode()).decode()
    answer = client.post(SP_FRONT, {"SAMLRequest": message, "RelayState": "r"})
    assert answer.status_code == 400
    assert UserSession.objects.filter(session_key=session_key).exists()
    assert NodeSession.objects.filter(session_index=data["session_index"]).exists()
