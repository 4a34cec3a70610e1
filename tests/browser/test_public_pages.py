"""The public pages and the staff login, in Chromium, each checked by axe-core."""

import pytest

from offices.tests.office_rows import offices_load
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    add_totp_device,
    current_code,
)


@pytest.fixture
def offices(transactional_db):
    offices_load()


def test_home_directory_search_and_office_page(a11y_page, offices):
    page = a11y_page
    page.goto("/")
    assert page.locator("h1").inner_text() == "Załatw sprawę w urzędzie przez internet"

    page.get_by_label("Znajdź urząd").fill("bielsko biala")
    page.follow(page.get_by_role("button", name="Szukaj"))
    assert "Urząd Miejski w Bielsku-Białej" in page.locator("table").inner_text()

    page.follow(page.get_by_role("link", name="Urząd Miejski w Bielsku-Białej"))
    assert page.locator("h1").inner_text() == "Urząd Miejski w Bielsku-Białej"
    facts = page.locator("main").inner_text()
    for text in ("Prezydent Miasta Bielska-Białej", "pl. Ratuszowy 1", "43-300 Bielsko-Biała"):
        assert text in facts
    assert "/sekap-2461011/SkrytkaESP" in page.content()
    assert page.get_by_role("heading", name="Usługi tego urzędu").is_visible()


def test_office_page_marks_unconfirmed_data_in_both_languages(a11y_page, offices):
    page = a11y_page
    page.goto("/urzedy/2467011/")  # names derived, address not known yet
    assert page.locator("h1").inner_text() == "Urząd Miasta Jastrzębie-Zdrój"
    assert page.locator("#unconfirmed").is_visible()
    assert page.locator(".badge", has_text="niepotwierdzone").count() >= 2
    page.get_by_label("Język").select_option("en")
    page.follow(page.get_by_role("button", name="Zmień"))
    assert page.get_by_role("heading", name="Services of this office").is_visible()
    assert "not known yet" in page.locator("main").inner_text()


def test_directory_filter_by_kind_with_keyboard_only(a11y_page, offices):
    page = a11y_page
    page.goto("/urzedy/")
    page.get_by_label("Rodzaj urzędu").select_option("county")
    page.get_by_label("Rodzaj urzędu").focus()
    page.keyboard.press("Tab")  # from the select to the search button
    assert page.evaluate("document.activeElement.textContent") == "Szukaj"
    page.follow(page.locator(":focus"), key="Enter")
    assert page.get_by_role("status").inner_text() == "Znaleziono 7 urzędów."


def test_language_switch_to_english_and_accessibility_statement(a11y_page, offices):
    page = a11y_page
    page.goto("/deklaracja-dostepnosci/")
    assert page.locator("h1").inner_text() == "Deklaracja dostępności"
    page.get_by_label("Język").select_option("en")
    page.follow(page.get_by_role("button", name="Zmień"))
    assert page.locator("h1").inner_text() == "Accessibility statement"
    assert page.locator("html").get_attribute("lang") == "en"


def test_staff_login_requires_the_second_factor(a11y_page, offices):
    clerk = StaffFactory(email="clerk@example.test", is_staff=True, is_superuser=True)
    device = add_totp_device(clerk)
    page = a11y_page
    page.goto("/admin/")  # -> login
    page.get_by_label("Adres e-mail").fill(clerk.email)
    page.get_by_label("Hasło").fill("wrong-password-1")
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    assert "Nieprawidłowy adres e-mail lub hasło" in page.locator(".error-summary").inner_text()

    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))  # the second-factor page
    assert "/konto/2fa/" in page.url
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    assert page.url.endswith("/admin/")
