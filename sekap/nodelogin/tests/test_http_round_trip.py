"""The back channel as deployed: the platform resolves the artifact with a real HTTP POST to
the fake node served by the live test server."""

from __future__ import annotations

import pytest

from sekap.accounts.models import User

from . import support
from .support import ANNA, login_as


@pytest.mark.django_db(transaction=True)
def test_the_artifact_is_resolved_over_http(live_server, settings, client):
    settings.SITE_URL = live_server.url
    settings.NODELOGIN_SOAP_TRANSPORT = "sekap.nodelogin.tests.support.http_recording"
    support.HTTP_CALLS.clear()
    response = login_as(client, ANNA)
    assert response["Location"] == "/konto/login-gov-pl/nowe-konto/"
    assert [
        f"{live_server.url}/login-gov-pl-test/login-services/idpArtifactResolutionService"
    ] == support.HTTP_CALLS
    created = client.post(
        response["Location"],
        {"create": "1", "create-email": "anna@example.test", "create-consent": "on"},
    )
    assert created.status_code == 302
    assert User.objects.get(pesel=ANNA.pesel).is_identity_verified
