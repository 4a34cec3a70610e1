"""Single logout through the browser (front channel) with the fake node, in Chromium with
axe-core on every page, without JavaScript (each auto-posted form is sent by its button)."""

from __future__ import annotations

import re

import pytest

from sekap.nodelogin.fake import node
from sekap.nodelogin.models import NodeSession

PESEL = "90090505819"  # Jan Próbny, one of the fake node's test people


@pytest.fixture
def front_channel(settings):
    settings.NODELOGIN_SLO_BINDING = "post"


def test_logging_out_tells_the_node_through_the_browser(a11y_page, live_server, front_channel):
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.route("**/autosubmit.js", lambda route: route.abort())
    page.follow(page.get_by_role("button", name="login.gov.pl (test)"))
    page.follow(page.get_by_role("button", name="Przejdź do login.gov.pl"))
    page.get_by_label(re.compile(f"Jan Próbny \\(PESEL {PESEL}\\)")).check()
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.fill("[name=create-email]", "jan.probny@example.test")
    page.get_by_label(re.compile("Zapoznałem")).check()
    page.follow(page.get_by_role("button", name="Załóż konto"))
    index = NodeSession.objects.get().session_index
    assert node.session_is_open(index)

    # Logged out here at once; the signed LogoutRequest goes to the node through the browser.
    page.follow(page.get_by_role("button", name="Wyloguj się"))
    assert page.locator("main h1").first.inner_text() == "Wylogowanie z login.gov.pl"
    assert not NodeSession.objects.exists()
    page.follow(page.get_by_role("button", name="Przejdź do login.gov.pl"))
    # The node ended its session and sends its signed answer back the same way.
    assert not node.session_is_open(index)
    page.follow(page.get_by_role("button", name="Wróć do serwisu"))
    assert "Wylogowano także z login.gov.pl." in page.locator("body").inner_text()
