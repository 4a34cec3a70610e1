"""The registry clerk's paper desk in Chromium: find the sender as you type, register a paper
letter from a person without an account, print its label, upload the scan carrying the label's
barcode and see it attached, open a case with that person as party; axe on each page."""

from __future__ import annotations

import pytest
import zxingcpp

from certauth.tests.fixtures import pki_dir  # noqa: F401
from documents.models import CaseParty, RegisterEntry, RegisterScan
from documents.services.register import CorrespondentDetails, correspondent_find_or_create
from documents.tests.fixtures import make_service
from documents.tests.labels_raster import png_of, rasterise
from documents.tests.test_backoffice import clerk_of
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, add_totp_device, current_code


@pytest.fixture
def desk(transactional_db, pki_dir):  # noqa: F811
    setup = make_service(symbol="OR")
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    person = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(
            first_name="Zofia",
            last_name="Łęcka",
            street="Długa 1",
            postal_code="44-100",
            city="Gliwice",
        ),
        actor=None,
    )
    return setup, clerk, person


def test_registry_clerk_registers_labels_scans_and_opens_a_case(a11y_page, desk):
    setup, clerk, person = desk
    assert person.account is None
    device = add_totp_device(clerk)
    page = a11y_page
    page.goto("/backoffice/")
    page.get_by_label("Adres e-mail").fill(clerk.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    page.follow(page.get_by_role("link", name=f"Rejestr korespondencji: {setup.office.name}"))

    # search as you type (the script fills the same list the search button would)
    page.get_by_label("Znajdź nadawcę (nazwa, PESEL, NIP, miejscowość)").press_sequentially("lec")
    found = page.locator("#sender-results-list").get_by_role("link", name="Zofia Łęcka")
    found.wait_for()
    page.check()
    page.follow(found)
    assert "Zofia Łęcka" in page.get_by_role("status").first.inner_text()
    page.get_by_label("Temat pisma").fill("Wniosek o wycinkę drzewa")
    page.get_by_label("Liczba załączników").fill("1")
    page.follow(page.get_by_role("button", name="Zarejestruj pismo"))
    entry = RegisterEntry.objects.get()
    assert entry.rpw in page.locator("h1").inner_text()
    assert (entry.correspondent, entry.channel) == (person, "post")

    # the label: a PDF whose barcode a scanner reads as the RPW number
    href = page.get_by_role("link", name="Etykieta na drukarkę etykiet 62 mm (PDF)").get_attribute(
        "href"
    )
    label = page.request.get(page.url_for(href))
    assert label.ok and label.headers["content-type"] == "application/pdf"
    assert label.body().startswith(b"%PDF-")
    printed = rasterise(label.body())
    assert [r.text for r in zxingcpp.read_barcodes(printed)] == [entry.rpw]

    # the scan of the letter with the label stuck on it
    page.follow(page.get_by_role("link", name="Prześlij skan"))
    page.get_by_label("Skan (PDF, PNG, JPEG lub TIFF)").set_input_files(
        files=[{"name": "skan-pisma.png", "mimeType": "image/png", "buffer": png_of(printed)}]
    )
    page.follow(page.get_by_role("button", name="Prześlij"))
    assert entry.rpw in page.locator("h1").inner_text()
    assert "skan-pisma.png" in page.locator("#entry-scans").inner_text()
    assert RegisterScan.objects.get().entry == entry

    # the letter opens a case with the person as its applicant party
    page.get_by_label("Rodzaj sprawy (usługa)").select_option(str(setup.service.pk))
    page.follow(page.get_by_role("button", name="Załóż nową sprawę"))
    entry.refresh_from_db()
    assert entry.case is not None and entry.case.sign in page.locator("main").inner_text()
    party = CaseParty.objects.get(case=entry.case)
    assert (party.correspondent, party.role) == (person, "applicant")
