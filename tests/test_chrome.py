"""``{% chrome %}`` (sekap/chrome.py): the layouts' language-only parts rendered once per
process and language, nothing of a request inside them, the pages' own parts still per request."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.chrome import ChromeNode

TEMPLATE = (
    '{% load i18n sekap_chrome %}{% chrome %}<a href="{% url "home" %}">'
    '{% translate "Log in" %}</a>[{{ secret }}]{% endchrome %}({{ secret }})'
)


def test_a_chrome_part_is_rendered_once_per_language_and_sees_no_variable():
    template = engines["django"].from_string(TEMPLATE)
    (node,) = template.template.nodelist.get_nodes_by_type(ChromeNode)
    renders: list[str | None] = []
    render = node.nodelist.render
    node.nodelist.render = lambda context: (
        renders.append(translation.get_language()) or render(context)
    )
    request = RequestFactory().get("/")
    with translation.override("pl"):
        first = template.render({"secret": "alice"}, request)
        second = template.render({"secret": "bob"}, request)
    with translation.override("en"):
        english = template.render({"secret": "carol"}, request)
    assert first == '<a href="/">Zaloguj się</a>[](alice)'
    assert second == '<a href="/">Zaloguj się</a>[](bob)'
    assert english == '<a href="/">Log in</a>[](carol)'
    assert renders == ["pl", "en"]


@pytest.mark.django_db
def test_each_person_sees_their_own_email_token_and_path_in_the_kept_layout(client):
    pages = []
    for _ in range(2):
        clerk = StaffFactory(is_staff=True)
        login_with_second_factor(client, clerk)
        page = client.get("/backoffice/tozsamosc/?a=1").content.decode()
        pages.append(page)
        assert f"({clerk.email})" in page
        assert 'value="/backoffice/tozsamosc/?a=1"' in page
        assert "strona=/backoffice/tozsamosc/" in page
        assert client.cookies["csrftoken"].value  # the forms carry the token
        assert page.count('name="csrfmiddlewaretoken"') >= 2
        client.post("/konto/wylogowanie/")
    assert pages[0] != pages[1]
    polish = client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/").content.decode()
    assert '<html lang="pl">' in polish and "Przejdź do treści" in polish
    assert '<html lang="en">' in english and "Skip to main content" in english
    assert '<option value="en" lang="en" selected>' in english
