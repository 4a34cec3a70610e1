"""The clerk's back office in Chromium: queue, case page, a call to supplement, the work lists,
search, reports and the public transparency page; axe and 320 px reflow on each."""

from __future__ import annotations

import pytest

from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles, pki_dir  # noqa: F401
from documents.models import InboxMessage, Letter
from documents.tests.fixtures import clerk_of, make_case, make_service
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    add_totp_device,
    current_code,
)


@pytest.fixture
def case_for_clerk(transactional_db, pki_dir):  # noqa: F811
    ensure_profiles()  # a flush by an earlier transactional test removed the migration's rows
    ca_init()
    setup = make_service(symbol="OR")
    applicant = UserFactory(first_name="Anna", last_name="Nowak")
    case = make_case(setup, applicant, 1)
    clerk = clerk_of(setup)
    return case, clerk, applicant


def test_clerk_works_a_case_and_calls_for_a_supplement(a11y_page, case_for_clerk):
    case, clerk, applicant = case_for_clerk
    device = add_totp_device(clerk)
    page = a11y_page
    page.goto("/backoffice/")  # -> login
    page.get_by_label("Adres e-mail").fill(clerk.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    assert page.url.endswith("/backoffice/")
    assert "Urzędnik" in page.locator("main").inner_text()  # the clerk's role is listed
    page.follow(page.get_by_role("link", name="Sprawy Twojej komórki"))

    page.follow(page.get_by_role("link", name=case.sign))
    assert case.sign in page.locator("h1").inner_text()
    page.follow(page.get_by_role("button", name="Przejmij sprawę"))

    page.get_by_label("Rodzaj pisma").select_option("supplement")
    page.get_by_label("Tytuł").fill("Wezwanie do uzupełnienia")
    page.get_by_label("Treść").fill("Proszę dołączyć brakujący załącznik.")
    page.follow(page.get_by_role("button", name="Opatrz pieczęcią i wyślij"))
    assert page.locator(".error-summary").is_visible()  # no due date given
    assert not Letter.objects.exists()

    page.get_by_label("Dni na uzupełnienie, od doręczenia (dla wezwania do uzupełnienia)").fill(
        "14"
    )
    page.follow(page.get_by_role("button", name="Opatrz pieczęcią i wyślij"))
    letter = Letter.objects.get()
    assert letter.supplement_call.days == 14 and letter.supplement_due is None  # from delivery
    assert InboxMessage.objects.filter(letter=letter, recipient=applicant).exists()
    assert "Wezwanie do uzupełnienia" in page.locator("main").inner_text()

    # the staff menu beside every page: work lists with counts, search, reports
    page.follow(
        page.get_by_role("navigation", name="Menu pracownika").get_by_role(
            "link", name="Moje sprawy"
        )
    )
    assert case.sign in page.locator("table").inner_text()
    page.get_by_label("Znak lub tytuł sprawy").fill("nic takiego")
    page.follow(page.get_by_role("button", name="Pokaż"))
    assert "Brak spraw" in page.locator("main").inner_text()
    page.follow(page.get_by_role("link", name="Wyszukaj sprawy"))
    page.get_by_label("Szukane słowa").fill("Nowak")
    page.follow(page.get_by_role("button", name="Szukaj"))
    assert case.sign in page.locator("main table").inner_text()
    page.follow(page.get_by_role("link", name="Raporty urzędu"))
    assert page.locator("svg.chart").count() == 3
    page.follow(page.get_by_role("link", name="Publiczna strona przejrzystości urzędu"))
    assert "Nowak" not in page.locator("main").inner_text()
