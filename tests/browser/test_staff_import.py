"""Office administration in Chromium: a CPD administrator uploads a staff CSV, sees it refused
with the bad row, uploads the corrected file, previews and applies it, and opens the offices'
configuration problems; axe and 320 px reflow on each page."""

from __future__ import annotations

import pytest

from offices.models import StaffMembership, StaffRole
from offices.services import membership_grant
from offices.tests.factories import DepartmentFactory, OfficeFactory
from sekap.accounts.models import User
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    add_totp_device,
    current_code,
)

HEADER = "urząd;wydział;nazwa wydziału;imię;nazwisko;e-mail;stanowisko;role\n"
GOOD = HEADER + "2466011;GK;Wydział Geodezji;Łucja;Ślęzak;lucja@gliwice.test;Inspektor;referent\n"
BAD = GOOD + "2466011;GK;;Piotr;Zły;piotr@gliwice;Inspektor;referent\n"


@pytest.fixture
def cpd_admin(transactional_db):
    cpd = OfficeFactory(terc="24", kind="voivodeship", gmina_type="", name="Urząd Wojewódzki")
    gliwice = OfficeFactory(terc="2466011", kind="city_county", gmina_type="", name="UM Gliwice")
    DepartmentFactory(office=gliwice, symbol="OR", name="Wydział Organizacyjny")  # no clerks
    admin = StaffFactory(email="cpd@slask.test")
    membership_grant(actor=None, user=admin, office=cpd, role=StaffRole.CPD_ADMIN)
    return admin


def test_upload_refused_then_preview_apply_and_problems(a11y_page, cpd_admin, tmp_path):
    device = add_totp_device(cpd_admin)
    page = a11y_page
    page.goto("/backoffice/kadry/import/")  # -> login
    page.get_by_label("Adres e-mail").fill(cpd_admin.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    assert page.url.endswith("/backoffice/kadry/import/")

    bad = tmp_path / "kadry.csv"
    bad.write_bytes(BAD.encode("cp1250"))
    page.get_by_label("Plik CSV").set_input_files(str(bad))
    page.follow(page.get_by_role("button", name="Sprawdź i pokaż podgląd"))
    refused = page.locator("#refused").inner_text()
    assert "Plik odrzucono: niczego nie zmieniono" in refused
    assert "„piotr@gliwice” nie jest poprawnym adresem e-mail." in refused
    assert not User.objects.filter(email="lucja@gliwice.test").exists()

    good = tmp_path / "kadry-poprawione.csv"
    good.write_bytes(GOOD.encode("cp1250"))
    page.get_by_label("Plik CSV").set_input_files(str(good))
    page.follow(page.get_by_role("button", name="Sprawdź i pokaż podgląd"))
    preview = page.locator("#preview").inner_text()
    assert "Osoby do utworzenia: 1" in preview
    assert "Ślęzak" in preview
    page.follow(page.get_by_role("button", name="Zastosuj plik"))
    assert "Plik zastosowano: utworzono osób: 1" in page.locator(".messages").inner_text()
    assert StaffMembership.objects.filter(
        user__email="lucja@gliwice.test", department__symbol="GK", role="clerk"
    ).exists()

    page.follow(page.get_by_role("link", name="Problemy konfiguracji urzędów"))
    problems = page.locator("main").inner_text()
    assert "UM Gliwice" in problems
    assert "OR – Wydział Organizacyjny" in problems  # nobody handles its cases
    assert "GK – Wydział Geodezji" not in problems  # Łucja does now
    page.follow(page.get_by_role("link", name="UM Gliwice", exact=True))
    assert page.url.endswith("/backoffice/urzedy/2466011/problemy/")
