"""Portal pages beyond the main journey, in Chromium, each checked by axe-core: error
summaries and field errors, drafts, signing by upload, companies and the office's approval,
the inbox with an official letter (UPD on opening), the case page and replies."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.utils import timezone

from documents import services as documents
from documents.models import Case, Receipt
from offices.models import Office, StaffRole
from offices.tests.factories import MembershipFactory
from portal.models import Draft
from portal.services import drafts as drafts
from portal.tests.fixtures import (  # noqa: F401
    PDF,
    STEP1,
    STEP2,
    STEP3,
    ca,
    cert_profiles,
    intake,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.models import Representation
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    VerifiedCitizenFactory,
    add_totp_device,
    current_code,
)


def log_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(password)
    page.follow(page.get_by_role("button", name="Zaloguj się"))


def filled_draft(user, service) -> Draft:
    """A draft with all steps answered (through the same services the pages use)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.datastructures import MultiValueDict

    from forms_platform.forms import build_step_form

    draft = drafts.draft_start(user=user, service=service)
    steps = {"wnioskodawca": STEP1, "zaswiadczenie": STEP2, "oswiadczenia": STEP3}
    for key, data in steps.items():
        files = MultiValueDict(
            {"DowodOplaty": [SimpleUploadedFile("oplata.pdf", PDF)]}
            if key == "zaswiadczenie"
            else {}
        )
        form = build_step_form(draft.version.definition, step_key=key, data=data, files=files)
        assert form.is_valid(), form.errors
        draft = drafts.draft_save_step(
            draft=draft, user=user, step_key=key, step_data=form.form_data
        )
    return draft


def test_registration_errors_keyboard_and_password_reset(a11y_page, transactional_db):
    page = a11y_page
    page.goto("/konto/rejestracja/")
    page.get_by_label("Adres e-mail").fill("nie-adres")
    page.get_by_label("Hasło", exact=True).fill("krotkie")
    page.get_by_label("Powtórz hasło").fill("inne")
    page.get_by_label("Powtórz hasło").focus()
    page.follow(page.get_by_role("button", name="Załóż konto"))
    summary = page.locator(".error-summary")
    assert "Podane hasła się różnią." in summary.inner_text()
    assert page.get_by_label("Imię").get_attribute("aria-invalid") == "true"
    described = page.get_by_label("Imię").get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text().startswith("Błąd:")
    UserFactory(email="kto@example.test")
    page.goto("/konto/haslo/")
    page.get_by_label("Adres e-mail").fill("kto@example.test")
    page.follow(page.get_by_role("button", name="Wyślij link"))
    assert page.locator("main h1").inner_text() == "Sprawdź pocztę e-mail"
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/konto/haslo/\S+/)", message.body).group(1)
    page.goto(link)  # Django moves the token into the session and redirects
    page.get_by_label("Nowe hasło", exact=True).fill("nowe-haslo-do-sekap-77")
    page.get_by_label("Nowe hasło (powtórz)").fill("nowe-haslo-do-sekap-77")
    page.follow(page.get_by_role("button", name="Zapisz nowe hasło"))
    assert page.locator("main h1").inner_text() == "Hasło zmienione"


def test_identity_proved_with_a_signed_confirmation_file(a11y_page, live_trust):  # noqa: F811
    from portal.services import accounts
    from portal.tests.fixtures import certificate_holder

    user = UserFactory(
        email="cert@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    holder = certificate_holder(live_trust_ca(), user=user)
    page = a11y_page
    log_in(page, user.email)
    page.goto("/konto/tozsamosc/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Pobierz plik potwierdzenia (XML)").click()
    challenge = download.value.path().read_bytes()
    assert accounts.CHALLENGE_NS.encode() in challenge
    wrong = holder.sign(challenge.replace(b"<Konto>", b"<Konto>x"))
    for data in (wrong, holder.sign(challenge)):
        page.set_input_files(
            "[name=signed_file]",
            files=[{"name": "podpisany.xml", "mimeType": "application/xml", "buffer": data}],
        )
        page.follow(page.get_by_role("button", name="Potwierdź moją tożsamość"))
        if data is wrong:
            assert (
                "nie jest twoim aktualnym potwierdzeniem"
                in page.locator(".error-summary").inner_text()
            )
    assert "Twoja tożsamość jest potwierdzona" in page.content()
    user.refresh_from_db()
    assert user.is_identity_verified and user.verified_method == "certificate"


def test_sign_by_upload_refuses_a_changed_document(a11y_page, live_trust):  # noqa: F811
    from portal.tests.fixtures import certificate_holder

    catalogue = load_catalogue()
    user = UserFactory(
        email="upload@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    holder = certificate_holder(live_trust_ca(), user=user)
    draft = filled_draft(user, catalogue.service)
    page = a11y_page
    log_in(page, user.email)
    page.goto("/wnioski/robocze/")
    page.follow(page.get_by_role("link", name=catalogue.service.title))  # every step answered
    assert page.locator("main h1").first.inner_text() == "Sprawdź wniosek"
    page.follow(page.get_by_role("link", name="Wnioskodawca"))  # back to a step and forward
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))
    page.follow(page.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    assert "Dostępne po potwierdzeniu tożsamości." in page.content()
    draft.refresh_from_db()
    changed = holder.sign(bytes(draft.document).replace(b"do banku", b"do sadu"))
    page.set_input_files(
        "[name=signed_file]",
        files=[{"name": "w.xml", "mimeType": "application/xml", "buffer": changed}],
    )
    page.follow(page.get_by_role("button", name="Wczytaj podpisany dokument"))
    assert "nie jest dokumentem przygotowanym" in page.locator(".error-summary").inner_text()
    assert page.locator("[name=signed_file]").get_attribute("aria-invalid") == "true"
    signed = holder.sign(bytes(draft.document))
    page.set_input_files(
        "[name=signed_file]",
        files=[{"name": "w.xml", "mimeType": "application/xml", "buffer": signed}],
    )
    page.follow(page.get_by_role("button", name="Wczytaj podpisany dokument"))
    assert page.locator("main h1").inner_text() == "Wyślij wniosek"
    assert "podpisany poza portalem i wczytany" in page.content()


def live_trust_ca():
    from certauth.models import CertificateAuthority
    from certauth.services.ceremony import ISSUING_SLUG

    return CertificateAuthority.objects.get(slug=ISSUING_SLUG)


def test_company_representative_approved_at_the_back_office(
    a11y_page, browser, live_server, transactional_db
):
    from tests.browser.conftest import A11yPage

    Office.objects.create(
        terc="2466011",
        kind="city_county",
        unit="Gliwice",
        name="Urząd Miasta Gliwice",
        office_type="Urząd Miasta",
        gmina_type="1",
        seat="Gliwice",
        esp_address="/gl/SkrytkaESP",
    )
    person = UserFactory(
        email="firma@example.test", kind="business", first_name="Piotr", last_name="Firmowy"
    )
    page = a11y_page
    log_in(page, person.email)
    page.goto("/konto/firmy/")
    page.get_by_label("Nazwa firmy").fill("Przykładowa Sp. z o.o.")
    page.get_by_label("NIP").fill("5260001245")
    page.set_input_files(
        "[name=power_of_attorney]",
        files=[{"name": "p.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.follow(page.get_by_role("button", name="Wyślij wniosek"))
    assert "NIP jest nieprawidłowy" in page.locator(".error-summary").inner_text()
    page.get_by_label("NIP").fill("5260001246")
    page.set_input_files(
        "[name=power_of_attorney]",
        files=[{"name": "p.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.follow(page.get_by_role("button", name="Wyślij wniosek"))
    assert "czeka na sprawdzenie przez urząd" in page.locator("table").inner_text()

    clerk = StaffFactory(email="kancelaria@example.test")
    MembershipFactory(
        user=clerk, office=Office.objects.get(terc="2466011"), role=StaffRole.REGISTRY_CLERK
    )
    device = add_totp_device(clerk)
    context = browser.new_context(locale="pl-PL")
    context.set_default_timeout(15_000)
    office_page = A11yPage(context.new_page(), live_server.url)
    try:
        office_page.goto("/backoffice/pelnomocnictwa/")  # -> login, then the second factor
        office_page.get_by_label("Adres e-mail").fill(clerk.email)
        office_page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
        office_page.follow(office_page.get_by_role("button", name="Zaloguj się"))
        office_page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
            current_code(device)
        )
        office_page.follow(office_page.get_by_role("button", name="Potwierdź"))
        office_page.follow(office_page.get_by_role("link", name="Przykładowa Sp. z o.o."))
        office_page.follow(office_page.get_by_role("button", name="Zatwierdź"))
        assert (
            "Pełnomocnictwo zostało zatwierdzone." in office_page.locator(".messages").inner_text()
        )
        assert not office_page.unchecked()
    finally:
        context.close()
    assert Representation.objects.get(user=person).status == "approved"
    page.reload()
    page.check()
    assert "zatwierdzone przez urząd" in page.locator("table").inner_text()


def test_inbox_letter_opening_case_page_and_reply(a11y_page, live_trust):  # noqa: F811
    catalogue = load_catalogue()
    user = VerifiedCitizenFactory(
        email="skrzynka@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    draft = filled_draft(user, catalogue.service)
    draft = drafts.draft_prepare(draft=draft, user=user)
    draft = drafts.draft_sign_trusted_profile(draft=draft, user=user)
    submission = drafts.draft_submit(
        draft=draft, user=user, idempotency_key=str(draft.idempotency_key)
    )
    intake(submission)
    case = Case.objects.get(submissions=submission)
    clerk = StaffFactory(first_name="Urszula", last_name="Referentka")
    MembershipFactory(
        user=clerk, office=case.office, department=case.department, role=StaffRole.CLERK
    )
    documents.letter_send(
        case=case,
        clerk=clerk,
        kind="supplement",
        title="Wezwanie do uzupełnienia",
        body="Proszę dołączyć pełnomocnictwo.",
        supplement_due=timezone.localdate() + dt.timedelta(days=7),
    )
    page = a11y_page
    log_in(page, user.email)
    page.goto("/skrzynka/")
    assert "nieprzeczytan" in page.locator("header").inner_text()
    page.follow(page.get_by_role("link", name="Wezwanie do uzupełnienia"))
    assert "Proszę dołączyć pełnomocnictwo." not in page.content()
    page.follow(page.get_by_role("button", name="Otwórz pismo"))
    assert "Proszę dołączyć pełnomocnictwo." in page.content()
    assert Receipt.objects.filter(letter__case=case, kind="UPD").count() == 1
    page.goto(f"/sprawy/{case.pk}/")
    assert page.locator(".case-sign").inner_text() == case.sign
    assert "Referentka" not in page.content()  # the office does not show clerks' names
    assert re.search("UPD", page.locator(".history").inner_text())
    page.follow(page.get_by_role("button", name="Napisz odpowiedź w tej sprawie"))
    assert Draft.objects.filter(owner=user, kind="reply", case_id_ref=case.pk).exists()
    page.goto("/wnioski/")
    page.goto("/sprawy/")
    page.goto("/wnioski/robocze/")
    assert "odpowiedź w sprawie" in page.locator("table").inner_text()
