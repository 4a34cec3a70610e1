"""The staff layout a list page is drawn in: the menu written in Python (escaped like the
template language), one "Back office" link in the header, and the menu's links the same
whatever page computed them first."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix
from guardian.shortcuts import assign_perm

from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db, pki_dir):
    return make_service(symbol="OR")


def test_the_menu_escapes_what_it_shows(setup):
    """An office's name is data (the ESP entry names it): written escaped, never as markup."""
    setup.office.name = 'Urząd <script>alert("x")</script> & co'
    setup.office.save()
    clerk = clerk_of(setup)
    assign_perm("offices.manage_office", clerk, setup.office)
    page = staff_client(clerk).get("/backoffice/sprawy/lista/department/").content.decode()
    nav = page[page.index('<nav class="staff-nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert "<script>alert" not in nav
    assert "Urząd &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in nav
    esp = reverse("documents:backoffice_esp_tokens", args=[setup.office.terc])
    assert f'<li><a href="{esp}">' in nav


def test_a_staff_page_has_one_back_office_link(setup):
    """The staff layout repeated the header's "Back office" link (two identical links)."""
    page = staff_client(clerk_of(setup)).get("/backoffice/sprawy/lista/department/")
    assert page.content.decode().count(f'href="{reverse("portal_bo_home")}"') == 1


def test_menu_links_follow_the_script_prefix(setup):
    """The menu's addresses are resolved once per process and script prefix: an app mounted
    under a prefix links under it, and the same process still links without it elsewhere."""
    client = staff_client(clerk_of(setup))
    path = "/backoffice/sprawy/lista/department/"
    search = reverse("documents:search")
    assert f'<a href="{path}" aria-current="page">' in client.get(path).content.decode()
    set_script_prefix("/sekap/")  # what the WSGI handler does (the test client does not)
    try:
        mounted = client.get(path, SCRIPT_NAME="/sekap").content.decode()
    finally:
        set_script_prefix("/")
    assert f'<a href="/sekap{path}" aria-current="page">' in mounted
    assert f'<a href="/sekap{search}">' in mounted
    again = client.get(path).content.decode()
    assert f'<a href="{path}" aria-current="page">' in again
    assert f'<a href="{search}">' in again


def test_the_menu_titles_are_translated_once_per_language_and_follow_it(setup):
    """The titles are translated once per language and process, each page in its own
    language; an entry registered later shows its own title."""
    from django.utils import translation
    from django.utils.functional import lazy

    from documents.backoffice import menu

    calls = []

    def title() -> str:
        calls.append(translation.get_language())
        return f"Counted {translation.get_language()}"

    clerk = clerk_of(setup)
    menu.menu_for(user=clerk)  # the titles of the entries as they are
    menu.register(
        menu.Entry(
            key="test:counted",
            section="other",
            title=lazy(title, str)(),
            url=lambda: "/counted/",
            allowed=lambda _viewer: True,
        )
    )
    menu.grants_changed()
    try:
        for language in ("pl", "en", "pl", "en"):
            with translation.override(language):
                sections = menu.menu_for(user=clerk)
            shown = {item.key: item.title for section in sections for item in section.items}
            assert shown["test:counted"] == f"Counted {language}"
            assert sections[0].title == {"pl": "Listy spraw", "en": "Work lists"}[language]
        assert calls == ["pl", "en"]
    finally:
        menu._ENTRIES[:] = [e for e in menu._ENTRIES if e.key != "test:counted"]
        menu._TITLES.clear()
        menu.grants_changed()
