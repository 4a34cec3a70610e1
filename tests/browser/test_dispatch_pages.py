"""The dispatch pages a clerk uses, in Chromium with axe on each: a letter to the parties of a
paper case (one without an account, served by post; one with an e-Doręczenia address), the
outgoing book with each delivery's status, the DL envelope, the list for the post, recording the
return receipt; and the registry desk's label page, unmatched scans and a scan assigned by
hand."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image

from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles, pki_dir  # noqa: F401
from documents import services
from documents.models import Delivery, RegisterEntry, RegisterScan
from documents.services.register import (
    CorrespondentDetails,
    correspondent_find_or_create,
    paper_register,
)
from documents.services.register.paper import entry_case_open
from documents.services.register.parties import party_create
from documents.tests.fixtures import clerk_of, make_service
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, add_totp_device, current_code

ADE = "AE:PL-12345-67890-ABCDE-12"


def sign_in(page, user) -> None:
    device = add_totp_device(user)
    page.goto("/backoffice/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))


@pytest.fixture
def paper_case(transactional_db, pki_dir):  # noqa: F811
    """A case opened from a paper letter of Zofia Łęcka (no account); a second party, a firm
    with an e-Doręczenia address; a letter sent to both."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (import every view now, not on the first page)
    ensure_profiles()
    ca_init()
    setup = make_service(symbol="OR")
    registry = clerk_of(setup, role="registry_clerk", department=False)
    person = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(
            first_name="Zofia", last_name="Łęcka", street="Długa 1", postal_code="44-100",
            city="Gliwice",
        ),
        actor=registry,
    )  # fmt: skip
    entry = paper_register(
        office=setup.office,
        clerk=registry,
        correspondent=person,
        department=setup.department,
        title="Wniosek o wycinkę drzewa",
        channel="post",
    )
    case = entry_case_open(entry=entry, service=setup.service, clerk=registry)
    firm = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(kind="organisation", name="Sąsiad sp. z o.o.", ade=ADE),
        actor=registry,
    )
    party_create(case=case, correspondent=firm, role="party")
    clerk = clerk_of(setup)
    services.letter_send(
        case=case, clerk=clerk, kind="letter", title="Zawiadomienie o oględzinach", body="T."
    )
    return setup, case, clerk, registry


def test_clerk_follows_the_letter_through_the_outgoing_book(a11y_page, paper_case):
    _setup, case, clerk, _registry = paper_case
    page = a11y_page
    sign_in(page, clerk)
    page.follow(page.get_by_role("link", name="Rejestr przesyłek wychodzących").first)
    book = page.locator("main").inner_text()
    assert "Zofia Łęcka" in book and "Długa 1, 44-100 Gliwice" in book
    assert "wysłane" in book  # the paper delivery's status

    page.follow(page.get_by_role("link", name="Koperta"))
    assert "Zofia Łęcka" in page.locator("main").inner_text()
    page.go_back()
    page.follow(page.get_by_role("link", name="Zestawienie dla poczty (wydruk)"))
    assert case.sign in page.locator("main").inner_text()
    page.go_back()

    # the post brought back the return receipt, signed today
    page.get_by_label("potwierdzenie odbioru podpisane w dniu podanym poniżej").check()
    page.get_by_label("Data", exact=True).fill(timezone.localdate().isoformat())
    page.follow(page.get_by_role("button", name="Zapisz"))
    assert page.get_by_role("status").first.is_visible()
    paper = Delivery.objects.get(channel="paper")
    assert (paper.status, paper.delivered_on) == ("delivered", timezone.localdate())
    assert "doręczone" in page.locator("main").inner_text()

    # the e-Doręczenia delivery of the same letter, in the same book
    page.get_by_label("Kanał").select_option("edoreczenia")
    page.follow(page.get_by_role("button", name="Pokaż"))
    assert "Sąsiad sp. z o.o." in page.locator("main").inner_text()
    assert ADE in page.locator("main").inner_text()

    # the case page lists both deliveries with their status
    page.goto(f"/backoffice/sprawy/{case.pk}/")
    text = page.locator("main").inner_text()
    assert "Zofia Łęcka" in text and "Sąsiad sp. z o.o." in text


def _blank_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("L", (400, 300), 255).save(out, "JPEG")
    return out.getvalue()


def test_registry_clerk_assigns_an_unmatched_scan_by_hand(a11y_page, paper_case):
    setup, case, _clerk, registry = paper_case
    page = a11y_page
    sign_in(page, registry)
    page.follow(page.get_by_role("link", name=f"Rejestr korespondencji: {setup.office.name}"))
    page.goto(f"/backoffice/rejestr/{setup.office.terc}/skany/")

    # a file that is no scan: the error summary names the field
    page.get_by_label("Skan (PDF, PNG, JPEG lub TIFF)").set_input_files(
        files=[{"name": "notatka.txt", "mimeType": "text/plain", "buffer": b"not a scan"}]
    )
    page.follow(page.get_by_role("button", name="Prześlij"))
    assert page.locator(".error-summary").is_visible()

    # a scan without a label waits in the unmatched list
    page.get_by_label("Skan (PDF, PNG, JPEG lub TIFF)").set_input_files(
        files=[{"name": "bez-etykiety.jpg", "mimeType": "image/jpeg", "buffer": _blank_jpeg()}]
    )
    page.follow(page.get_by_role("button", name="Prześlij"))
    assert "bez-etykiety.jpg" in page.locator("main").inner_text()
    scan = RegisterScan.objects.get()
    assert scan.entry is None

    entry = RegisterEntry.objects.get(case=case)
    page.get_by_label("Numer RPW dla bez-etykiety.jpg").fill(entry.rpw)
    page.follow(page.get_by_role("button", name="Przydziel"))
    scan.refresh_from_db()
    assert scan.entry == entry

    # the item's page with its labels to print
    page.goto(f"/backoffice/rejestr/{setup.office.terc}/pozycje/{entry.pk}/")
    assert entry.rpw in page.locator("h1").inner_text()
    assert "bez-etykiety.jpg" in page.locator("main").inner_text()
    for name in ("Etykieta na drukarkę etykiet 62 mm (PDF)", "Etykieta na arkuszu A4 (PDF)"):
        href = page.get_by_role("link", name=name).get_attribute("href")
        label = page.request.get(page.url_for(href))
        assert label.ok and label.body().startswith(b"%PDF-")
