"""Filing a request for public information without a signature, in Chromium, every page
checked by axe-core: the step count, the account's data filled in, no radio chosen in advance,
the declaration that must be ticked, the fee statement, "send without a signature", the UPO."""

from __future__ import annotations

import re

from django.db import transaction

from documents.models import Submission
from forms_platform.seeding import seed_forms
from offices.catalogue import catalogue_seed
from offices.models import Service
from offices.services import departments_seed_defaults, offices_load_csv
from portal.tests.fixtures import ca, cert_profiles, live_trust, pki_dir, sekap_trust  # noqa: F401
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from signatures import services as signatures


def public_information_service() -> Service:
    from documents.services import submissions

    submissions.forget_form_versions()
    with transaction.atomic():  # one commit, not one per row
        offices_load_csv()
        departments_seed_defaults()
        seed_forms(only={"informacja-publiczna"})
        catalogue_seed()
    return Service.objects.get(office__terc="2466011", form_template__slug="informacja-publiczna")


def test_public_information_request_sent_unsigned(a11y_page, live_server, live_trust):  # noqa: F811
    service = public_information_service()
    user = UserFactory(
        first_name="Anna", last_name="Nowak", pesel="", email="anna.nowak@example.test"
    )
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.goto(f"/uslugi/{service.pk}/")
    page.follow(page.get_by_role("button", name="Rozpocznij"))

    # step 1: counted like the progress bar (3 form steps + check, sign, send); account data in
    assert page.locator("main h2").first.inner_text() == "Krok 1 z 6: Wnioskodawca"
    assert page.locator(".progress li").count() == 6
    assert page.input_value("[name=Wnioskodawca__first_name]") == "Anna"
    assert page.input_value("[name=Email]") == "anna.nowak@example.test"
    page.fill("[name=Wnioskodawca__address__postal_code]", "44-100")
    page.fill("[name=Wnioskodawca__address__city]", "Gliwice")
    page.fill("[name=Wnioskodawca__address__building]", "21")
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))

    # step 2: nothing chosen in advance, no blank option in a required question
    assert page.locator("[name=Forma]:checked").count() == 0
    assert page.locator("[name=Forma][value='']").count() == 0
    page.fill("[name=ZakresInformacji]", "Umowy na odbiór odpadów komunalnych z 2024 r.")
    page.get_by_label("na skrzynkę w SEKAP").check()
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))

    # step 3: the declaration cannot be left unticked; the summary names and links it
    page.fill("[name=MiejscowoscDokumentu]", "Gliwice")
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))
    link = page.locator(".error-summary").get_by_role("link", name=re.compile("Oświadczam"))
    assert "Zaznacz pole, aby potwierdzić to oświadczenie." in link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "Oswiadczenie"
    page.check()
    page.keyboard.press("Space")
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))

    # the review states the fee; then the signing page offers sending without a signature
    assert page.locator("main h1").first.inner_text() == "Sprawdź wniosek"
    assert "Sprawa jest wolna od opłat" in page.locator(".fee-due").inner_text()
    page.follow(page.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    page.follow(page.get_by_role("button", name="Wyślij bez podpisu"))

    assert page.locator("main h1").first.inner_text() == "Wniosek przyjęty"
    submission = Submission.objects.get(submitter=user)
    upo_link = page.get_by_role("link", name="Pobierz UPO (XML)")
    upo = page.request.get(live_server.url + upo_link.get_attribute("href"))
    assert signatures.validate(upo.body()).indication == "TOTAL_PASSED"
    assert submission.sha256 in upo.text()
    submission.refresh_from_db()
    assert (submission.signature_indication, submission.signature_sub_indication) == (
        "UNSIGNED",
        "NOT_REQUIRED",
    )
