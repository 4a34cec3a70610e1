"""The service catalogue in Chromium: word forms, groups by life event, the offices of a form,
help on no results and a service page; every page checked by axe and for reflow at 320 px."""

import pytest

from offices.tests.catalogue_rows import full_catalogue_load


@pytest.fixture
def full_catalogue(transactional_db):
    full_catalogue_load()


def test_search_by_word_form_then_choose_an_office(a11y_page, full_catalogue):
    page = a11y_page
    page.goto("/uslugi/")
    page.get_by_label("Co chcesz załatwić?").fill("wycinka drzewa")
    page.follow(page.get_by_role("button", name="Szukaj"))
    assert page.get_by_role("status").inner_text().startswith("Znaleziono 2 usługi")
    assert page.get_by_role("heading", name="Dom i ogród", level=2).is_visible()
    form = page.locator("li", has=page.get_by_role("heading", name="Zgłoszenie zamiaru usunięcia"))
    form.locator("summary").click()  # the offices that offer the form, folded by default
    page.follow(form.get_by_role("link", name="Urząd Miejski w Gliwicach"))
    assert page.locator("h1").inner_text() == "Zgłoszenie zamiaru usunięcia drzewa"
    assert "Urząd Miejski w Gliwicach" in page.locator(".lead").inner_text()


def test_no_results_help_leads_to_the_general_letter(a11y_page, full_catalogue):
    page = a11y_page
    page.goto("/uslugi/?q=xyzzy")
    assert page.get_by_role("heading", name="Nic nie znaleziono").is_visible()
    page.follow(page.get_by_role("link", name="Znajdź pismo ogólne"))
    assert page.get_by_role("heading", name="Pismo ogólne do urzędu", level=3).is_visible()
