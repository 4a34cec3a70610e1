"""The whole citizen journey in Chromium, every page checked by axe-core (WCAG 2.1 AA).

Register, confirm the e-mail, get verified by a clerk (who logs in with TOTP in a second
browser), find a service of another office, fill it in with one mistake corrected, attach a
file, sign with the trusted profile, send, get the UPO, and see the case with its sign and
deadline once the intake pipeline has run (eagerly, or in a real Celery worker when
``REDIS_URL`` is set).
"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.core import mail

from documents.models import Case, Submission
from documents.selectors import receipt_of
from offices.models import Office, StaffRole
from offices.tests.factories import MembershipFactory
from portal.tests.fixtures import (  # noqa: F401
    PDF,
    ca,
    cert_profiles,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.models import User
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    add_totp_device,
    current_code,
)
from signatures import services as signatures
from tests.browser.conftest import A11yPage

PASSWORD = "zielone-jablko-2026"


@pytest.fixture
def pipeline(request):
    """The intake runs eagerly, or in a real worker on the PostgreSQL/Redis pass."""
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker_process")


def clerk_verifies(browser, live_server, email: str, pesel: str) -> None:
    office = Office.objects.get(terc="2466011")
    clerk = StaffFactory(email="urzednik@example.test", first_name="Urszula", last_name="Okienko")
    MembershipFactory(user=clerk, office=office, role=StaffRole.CLERK)
    device = add_totp_device(clerk)
    context = browser.new_context(locale="pl-PL", timezone_id="Europe/Warsaw")
    context.set_default_timeout(15_000)
    page = A11yPage(context.new_page(), live_server.url)
    try:
        page.goto("/backoffice/tozsamosc/")  # -> login
        page.get_by_label("Adres e-mail").fill(clerk.email)
        page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
        page.follow(page.get_by_role("button", name="Zaloguj się"))
        page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
            current_code(device)
        )
        page.follow(page.get_by_role("button", name="Potwierdź"))
        assert page.locator("main h1").first.inner_text() == "Potwierdzanie tożsamości w urzędzie"
        page.get_by_label("Adres e-mail lub numer PESEL osoby").fill(email)
        page.follow(page.get_by_role("button", name="Znajdź"))
        page.follow(page.get_by_role("link", name="Anna Nowak"))
        page.get_by_label(re.compile("Osoba podała mi adres e-mail")).check()
        page.get_by_label("Okazany dokument tożsamości").select_option("id_card")
        page.get_by_label("Numer PESEL z dokumentu").fill(pesel)
        page.get_by_label(re.compile("Porównałem")).check()
        page.follow(page.get_by_role("button", name="Potwierdź tożsamość"))
        assert (
            "Tożsamość osoby Anna Nowak została potwierdzona."
            in page.locator(".messages").inner_text()
        )
        assert not page.unchecked()
    finally:
        context.close()


def test_citizen_journey(a11y_page, live_server, browser, live_trust, pipeline):  # noqa: F811
    catalogue = load_catalogue()
    page = a11y_page

    # 1. register and confirm the e-mail address
    page.goto("/")
    page.follow(page.get_by_role("link", name="Załóż konto").first)
    page.get_by_label("Imię").fill("Anna")
    page.get_by_label("Nazwisko").fill("Nowak")
    page.get_by_label("Adres e-mail").fill("anna.nowak@example.test")
    page.get_by_label("Hasło", exact=True).fill(PASSWORD)
    page.get_by_label("Powtórz hasło").fill(PASSWORD)
    page.get_by_label(re.compile("Zapoznałem")).check()
    page.follow(page.get_by_role("button", name="Załóż konto"))
    assert page.locator("main h1").first.inner_text() == "Sprawdź pocztę e-mail"
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/konto/potwierdz/\S+/)", message.body).group(1)
    page.goto(link)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.follow(page.get_by_role("button", name="Potwierdź i aktywuj"))
    assert "Adres e-mail jest potwierdzony" in page.locator(".messages").inner_text()

    # 2. log in and complete the profile (PESEL, address)
    page.get_by_label("Adres e-mail").fill("anna.nowak@example.test")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.goto("/konto/profil/")
    page.get_by_label("Numer PESEL").fill("02070803628")
    page.get_by_label("Kod pocztowy").fill("43-200")
    page.get_by_label("Miejscowość").fill("Pszczyna")
    page.get_by_label("Ulica").fill("Piastowska")
    page.get_by_label("Numer budynku").fill("1")
    page.follow(page.get_by_role("button", name="Zapisz"))
    assert "Profil został zapisany." in page.locator(".messages").inner_text()
    assert "nie jest jeszcze potwierdzona" in page.content()

    # 3. a clerk at the Gliwice counter confirms the identity (second browser, TOTP)
    clerk_verifies(browser, live_server, "anna.nowak@example.test", "02070803628")
    page.reload()
    page.check()
    assert "Twoja tożsamość jest potwierdzona" in page.content()

    # 4. find the service of another office (Pszczyna) in the catalogue, by keyboard
    page.goto("/uslugi/")
    page.get_by_label("Co chcesz załatwić?").fill("zaswiadczenie")  # without diacritics
    page.get_by_label("Urząd", exact=True).select_option(catalogue.other.office.terc)
    page.get_by_label("Urząd", exact=True).focus()
    for _ in range(3):  # category, life event, search button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Szukaj"
    page.follow(page.locator(":focus"), key="Enter")
    page.follow(page.get_by_role("link", name=catalogue.other.title))
    assert catalogue.other.office.name in page.locator(".lead").inner_text()
    assert "Dowód zapłaty opłaty skarbowej (17 zł)" in page.content()
    page.follow(page.get_by_role("button", name="Rozpocznij"))

    # 5. fill in: step 1 with a wrong PESEL, corrected after the error summary
    page.fill("[name=Wnioskodawca__first_name]", "Anna")
    page.fill("[name=Wnioskodawca__last_name]", "Nowak")
    page.fill("[name=Wnioskodawca__pesel]", "02070803627")
    page.fill("[name=Wnioskodawca__address__postal_code]", "43-200")
    page.fill("[name=Wnioskodawca__address__city]", "Pszczyna")
    page.fill("[name=Wnioskodawca__address__building]", "1")
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    summary = page.locator(".error-summary")
    assert "PESEL" in summary.inner_text()
    summary.get_by_role("link").first.focus()
    page.keyboard.press("Enter")  # the summary link takes the keyboard to the field
    assert page.evaluate("document.activeElement.name") == "Wnioskodawca__pesel"
    page.check()
    page.keyboard.press("Control+A")
    page.keyboard.type("02070803628")
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))

    # step 2 with the attachment
    page.fill("[name=Przedmiot]", "Potwierdzenie zameldowania na pobyt stały.")
    page.fill("[name=Cel]", "do banku")
    page.fill("[name=LiczbaEgzemplarzy]", "1")
    page.get_by_label("na skrzynkę w SEKAP").check()
    page.set_input_files(
        "[name=DowodOplaty]",
        files=[{"name": "oplata.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    # step 3
    page.locator("[name=PrzezPelnomocnika][value=false]").check()
    page.get_by_label(re.compile("Oświadczam, że dane podane we wniosku")).check()
    page.fill("[name=MiejscowoscDokumentu]", "Pszczyna")
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))

    # 6. the preview rendered by the form version's XSL, then the trusted-profile signature
    assert page.locator("main h1").first.inner_text() == "Sprawdź wniosek"
    preview = page.locator(".document-preview").inner_text()
    assert "Potwierdzenie zameldowania na pobyt stały." in preview and "02070803628" in preview
    page.follow(page.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    page.follow(page.get_by_role("button", name="Podpisz podpisem osobistym SEKAP"))
    assert page.locator("main h1").first.inner_text() == "Wyślij wniosek"
    page.follow(page.get_by_role("button", name="Wyślij do urzędu"))

    # 7. received: only now, with the UPO to download
    assert page.locator("main h1").first.inner_text() == "Wniosek przyjęty"
    submission = Submission.objects.get(submitter__email="anna.nowak@example.test")
    assert submission.office == catalogue.other.office
    upo_link = page.get_by_role("link", name="Pobierz UPO (XML)")
    upo = page.request.get(live_server.url + upo_link.get_attribute("href"))
    report = signatures.validate(upo.body())
    assert report.indication == "TOTAL_PASSED", (
        report.errors,
        report.signatures[0].errors,
        report.signatures[0].warnings,
    )
    assert submission.sha256 in upo.text()
    if not settings.REDIS_URL:  # eager: the PDF rendering ran on commit, before this page
        pdf_link = page.get_by_role("link", name="Pobierz UPO (PDF)")
        pdf = page.request.get(live_server.url + pdf_link.get_attribute("href"))
        assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # 8. the case, once the pipeline has registered the submission
    deadline = time.monotonic() + 60
    while not page.get_by_role("link", name=re.compile(r"\.\d+\.\d{4}$")).count():
        assert time.monotonic() < deadline, "the intake pipeline did not open a case"
        time.sleep(0.5)
        page.reload()
        page.check()
    case = Case.objects.get(submissions=submission)
    submission.refresh_from_db()
    assert (submission.signature_indication, submission.needs_attention) == ("TOTAL_PASSED", False)
    page.follow(page.get_by_role("link", name=case.sign))
    assert page.locator(".case-sign").inner_text() == case.sign
    assert case.office.name in page.content() and case.department.name in page.content()
    assert case.deadline is not None
    assert f"{case.deadline:%d.%m.%Y}" in page.locator(".case-deadline").inner_text()
    assert str(case.deadline.year) in page.locator(".case-deadline").inner_text()
    assert User.objects.get(email="anna.nowak@example.test").is_identity_verified

    # 9. the public page the UPO's QR code points to confirms the receipt without personal data
    receipt = receipt_of(submission)
    page.goto(f"/upo/{receipt.public_id}/")
    assert submission.sha256 in page.locator("main").inner_text()
    assert "Nowak" not in page.locator("main").inner_text()
