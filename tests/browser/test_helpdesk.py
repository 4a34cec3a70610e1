"""The helpdesk in Chromium, axe on every page: a citizen reports a problem from a form page,
CPD staff answer from the queue, the citizen reads the answer; another citizen who guesses the
ticket's number gets "not found"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from portal.helpdesk.models import AnswerTemplate, Ticket
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    add_totp_device,
    current_code,
)
from tests.browser.test_portal_forms import public_information_service

pytestmark = pytest.mark.browser


def _login(page, email: str, device=None) -> None:
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    if device is not None:
        page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
            current_code(device)
        )
        page.follow(page.get_by_role("button", name="Potwierdź"))


def _logout(page) -> None:
    page.follow(page.get_by_role("button", name="Wyloguj się"))


def test_citizen_reports_from_a_form_page_cpd_answers_stranger_gets_404(a11y_page):
    service = public_information_service()
    citizen = UserFactory(email="anna.nowak@example.test", first_name="Anna", last_name="Nowak")
    stranger = UserFactory(email="obcy@example.test")
    cpd = StaffFactory(email="pomoc@cpd.example.test")
    cpd.user_permissions.add(Permission.objects.get(codename="work_tickets"))
    device = add_totp_device(cpd)
    AnswerTemplate.objects.create(
        title="Brak kodu pocztowego",
        body="Kod pocztowy wpisuje się w formacie 00-000, z myślnikiem.",
    )
    page = a11y_page

    # the citizen, on step 1 of a form, reports a problem from the header menu
    _login(page, citizen.email)
    page.goto(f"/uslugi/{service.pk}/")
    page.follow(page.get_by_role("button", name="Rozpocznij"))
    form_path = page.evaluate("location.pathname")
    assert "/krok/" in form_path
    page.follow(page.get_by_role("link", name="Zgłoś problem"))
    assert form_path in page.locator("main").inner_text()
    page.get_by_label("Temat").fill("Formularz nie przyjmuje kodu pocztowego")
    page.get_by_label("Opisz problem").fill("Wpisuję 44100 i widzę błąd.")
    page.follow(page.get_by_role("button", name="Wyślij do pomocy technicznej"))
    ticket = Ticket.objects.get()
    assert ticket.page == form_path
    assert page.locator("main h1").inner_text().startswith(f"Zgłoszenie nr {ticket.pk}")
    _logout(page)

    # CPD staff: the queue, an answer template, the reply
    _login(page, cpd.email, device)
    page.goto("/backoffice/pomoc/")
    page.follow(page.get_by_role("link", name="Formularz nie przyjmuje kodu pocztowego"))
    assert form_path in page.locator("main").inner_text()
    page.get_by_label("Zacznij od szablonu odpowiedzi").select_option(label="Brak kodu pocztowego")
    page.follow(page.get_by_role("button", name="Użyj szablonu"))
    assert "00-000" in page.get_by_label("Twoja odpowiedź").input_value()
    page.follow(page.get_by_role("button", name="Wyślij odpowiedź"))
    assert "odpowiedziano" in page.locator("main").inner_text()
    _logout(page)

    # the citizen sees the answer in the portal
    _login(page, citizen.email)
    page.goto("/pomoc/zgloszenia/")
    page.follow(page.get_by_role("link", name="Formularz nie przyjmuje kodu pocztowego"))
    assert "Kod pocztowy wpisuje się w formacie 00-000" in page.locator("main").inner_text()
    _logout(page)

    # another citizen guessing the number finds nothing
    _login(page, stranger.email)
    response = page.goto(f"/pomoc/zgloszenia/{ticket.pk}/")
    assert response.status == 404
    assert "Formularz nie przyjmuje" not in page.content()
