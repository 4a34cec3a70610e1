"""The form designer in Chromium: create, add fields, preview, publish; axe on every page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from forms_platform.models import FormVersion, VersionStatus
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    add_totp_device,
    current_code,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def designer(transactional_db):
    user = StaffFactory(email="cpd@example.test")
    user.user_permissions.add(Permission.objects.get(codename="manage_forms"))
    return user, add_totp_device(user)


def _login(page, user, device):
    page.goto("/backoffice/forms/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    assert page.url.endswith("/backoffice/forms/")


def test_designer_create_add_fields_preview_publish(a11y_page, designer):
    page = a11y_page
    _login(page, *designer)

    page.get_by_label("Nazwa formularza").fill("Wniosek o kartę parkingową")
    page.get_by_label("Identyfikator w adresie (slug)").fill("karta-parkingowa")
    page.follow(page.get_by_role("button", name="Utwórz wzór"))
    assert page.locator("h1").inner_text().startswith("Wniosek o kartę parkingową")

    page.get_by_label("Klucz kroku").fill("dane")
    page.get_by_label("Tytuł kroku", exact=True).fill("Dane wnioskodawcy")
    page.follow(page.get_by_role("button", name="Dodaj krok"))

    page.get_by_label("Typ pola").select_option("person")
    page.get_by_label("Nazwa elementu", exact=True).fill("Wnioskodawca")
    page.get_by_label("Etykieta", exact=True).fill("Wnioskodawca")
    page.get_by_role("checkbox", name="Wymagane", exact=True).check()
    page.follow(page.get_by_role("button", name="Dodaj pole"))  # -> the field's settings
    page.get_by_label("Pytaj o adres").check()
    page.follow(page.get_by_role("button", name="Zapisz pole"))

    page.get_by_label("Typ pola").select_option("date")
    page.get_by_label("Nazwa elementu", exact=True).fill("DataWaznosci")
    page.get_by_label("Etykieta", exact=True).fill("Data ważności poprzedniej karty")
    page.follow(page.get_by_role("button", name="Dodaj pole"))
    page.get_by_label("Data nie może być z przyszłości").check()
    page.follow(page.get_by_role("button", name="Zapisz pole"))
    assert page.get_by_role("cell", name="DataWaznosci", exact=True).count() == 1

    # preview exactly as citizens see it: wrong PESEL -> error summary linking to the field
    page.follow(page.get_by_role("link", name="Podgląd tak, jak widzi go mieszkaniec"))
    page.get_by_label(re.compile(r"^Imię")).fill("Jan")
    page.get_by_label(re.compile(r"^Nazwisko")).fill("Kowalski")
    page.get_by_label("Numer PESEL").fill("44051401358")
    page.get_by_label("Kod pocztowy").fill("40-001")
    page.get_by_label("Miejscowość").fill("Katowice")
    page.get_by_label("Numer budynku").fill("7")
    page.follow(page.get_by_role("button", name="Sprawdź dane"))
    summary = page.locator(".error-summary")
    assert "Numer PESEL ma błędną cyfrę kontrolną." in summary.inner_text()
    assert page.get_by_label("Numer PESEL").get_attribute("aria-invalid") == "true"
    page.get_by_label("Numer PESEL").fill("44051401359")
    page.follow(page.get_by_role("button", name="Sprawdź dane"))
    document = page.locator("article.dokument")
    assert "Jan Kowalski" in document.inner_text()
    assert "PESEL: 44051401359" in document.inner_text()

    # back to the draft, check and publish
    page.follow(page.get_by_role("link", name="Wniosek o kartę parkingową, wersja 1"))
    page.follow(page.get_by_role("button", name="Sprawdź formularz"))
    assert "Formularz jest kompletny" in page.locator(".messages").inner_text()
    page.follow(page.get_by_role("button", name="Opublikuj"))
    assert "opublikowana jako" in page.locator(".messages").inner_text()
    version = FormVersion.objects.get(template__slug="karta-parkingowa")
    assert version.status == VersionStatus.PUBLISHED
    assert [f["name"] for f in version.definition["steps"][0]["fields"]] == [
        "Wnioskodawca",
        "DataWaznosci",
    ]


def test_seed_form_preview_is_accessible_and_rules_run_in_the_browser(a11y_page, designer):
    from forms_platform.seeding import seed_forms

    seed_forms(only={"informacja-publiczna", "in-1"})
    page = a11y_page
    _login(page, *designer)
    page.goto("/backoffice/forms/informacja-publiczna/v1/preview/")
    email_field = page.locator("[data-visible-if]").filter(
        has=page.locator("#id_AdresEmailDoUdostepnienia")
    )
    assert email_field.is_hidden()  # the browser evaluates the rule as the server does
    page.get_by_label("na adres e-mail").check()
    assert email_field.is_visible()
    page.get_by_label("kserokopia").check()
    assert email_field.is_hidden()
    page.goto("/backoffice/forms/in-1/v1/preview/")  # groups, blocks, choices: axe-checked
    page.follow(page.get_by_role("button", name="Dodaj kolejną pozycję: Nieruchomość lub obiekt"))
    assert page.locator("#id_Przedmioty__1__NumerDzialki").count() == 1
