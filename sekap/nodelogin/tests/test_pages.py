"""The login page's login.gov.pl button, and the fake node only where it is meant to be."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_the_test_node_in_the_embedded_default(client):
    page = client.get("/konto/logowanie/").content.decode()
    assert ">login.gov.pl (test)</button>" in page
    assert 'action="/konto/login-gov-pl/"' in page


def test_with_the_real_nodes_metadata_the_button_says_login_gov_pl(client, settings, tmp_path):
    settings.NODELOGIN_FAKE = False
    settings.NODELOGIN_NODE_METADATA_URL = "https://login.gov.pl/login/metadata"
    page = client.get("/konto/logowanie/").content.decode()
    assert ">login.gov.pl</button>" in page


def test_without_fake_or_metadata_there_is_no_node_login(client, settings):
    """Production without configuration: no button, and the fake node is not there."""
    settings.NODELOGIN_FAKE = False
    assert b"login.gov.pl (test)" not in client.get("/konto/logowanie/").content
    assert client.get("/login-gov-pl-test/metadata/").status_code == 404
    assert (
        client.post("/login-gov-pl-test/login-services/idpArtifactResolutionService").status_code
        == 404
    )
    assert client.post("/konto/login-gov-pl/").status_code == 404
