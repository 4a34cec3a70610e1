"""Account pages added for issues 9 and 10, in Chromium, each checked by axe-core: the privacy
notice linked from the registration consent, "send the link again" from the login page of an
unconfirmed account, confirming with the password, and staff landing in the back office."""

from __future__ import annotations

import re

from django.core import mail

from offices.models import StaffRole
from offices.tests.factories import MembershipFactory, OfficeFactory
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    add_totp_device,
    current_code,
)


def test_privacy_notice_resend_and_confirm_with_the_password(a11y_page):
    page = a11y_page
    page.goto("/konto/rejestracja/")
    page.follow(page.get_by_role("link", name="Informacja o przetwarzaniu danych osobowych"))
    assert page.locator("main h1").inner_text() == "Informacja o przetwarzaniu danych osobowych"
    assert "Prezesa Urzędu Ochrony Danych Osobowych" in page.content()

    UserFactory(email="czeka@example.test", first_name="Ewa", is_active=False)
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill("czeka@example.test")
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    assert "Twoje konto nie jest jeszcze aktywne" in page.locator(".error-summary").inner_text()
    page.follow(page.get_by_role("button", name="Wyślij link potwierdzający ponownie"))
    assert page.locator("main h1").inner_text() == "Sprawdź pocztę e-mail"
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/konto/potwierdz/\S+/)", message.body).group(1)
    page.goto(link)
    page.get_by_label("Hasło").fill("nie-to-haslo-123")
    page.follow(page.get_by_role("button", name="Potwierdź i aktywuj"))
    assert (
        "To nie jest hasło wybrane przy rejestracji" in page.locator(".error-summary").inner_text()
    )
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Potwierdź i aktywuj"))
    assert "Adres e-mail jest potwierdzony" in page.locator(".messages").inner_text()
    assert not page.unchecked()


def test_staff_on_the_citizens_login_go_through_the_code_to_the_back_office(a11y_page):
    clerk = StaffFactory(email="urzednik@example.test")
    MembershipFactory(user=clerk, office=OfficeFactory(), role=StaffRole.CLERK)
    device = add_totp_device(clerk)
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(clerk.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    assert page.url.endswith("/backoffice/")
    assert page.locator(".section-list a").all_inner_texts() == [
        "Sprawy Twojej komórki",
        "Potwierdzenie tożsamości w urzędzie",
        "Pełnomocnictwa czekające na zatwierdzenie",
    ]
    assert not page.unchecked()
