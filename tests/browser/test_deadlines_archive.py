"""A case's clock and the office archive in Chromium: a call to supplement from delivery, a
closed case handed to the archive on a transfer list, and the party's complaint about delay;
axe and 320 px reflow on every page."""

from __future__ import annotations

import pytest

from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles, pki_dir  # noqa: F401
from documents.models import CaseClosure, DelayComplaint, SupplementCall, TransferList
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    add_totp_device,
    current_code,
)


@pytest.fixture
def world(transactional_db, pki_dir):  # noqa: F811
    ensure_profiles()
    ca_init()
    setup = make_service(symbol="OR", jrwa="5362")
    applicant = UserFactory(first_name="Anna", last_name="Nowak")
    return setup, make_case(setup, applicant, 1), make_case(setup, applicant, 2), applicant


def _staff_login(page, user) -> None:
    device = add_totp_device(user)
    page.goto("/backoffice/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))


def test_clerk_calls_for_a_supplement_closes_and_hands_over_to_the_archive(a11y_page, world):
    setup, case, other, _applicant = world
    clerk = clerk_of(setup)
    page = a11y_page
    _staff_login(page, clerk)
    page.goto(f"/backoffice/sprawy/{case.pk}/")
    page.follow(page.get_by_role("link", name="terminy, zawieszenia, zawiadomienia o zwłoce"))
    assert "Terminy sprawy" in page.locator("h1").inner_text()
    page.locator("#id_call-title").fill("Wezwanie do uzupełnienia")
    page.get_by_label("Czego brakuje").fill("Proszę dołączyć odpis aktu.")
    page.get_by_label("Dni od doręczenia").fill("6")
    page.follow(page.get_by_role("button", name="Opieczętuj i wyślij wezwanie"))
    assert page.locator(".error-summary").is_visible()
    assert not SupplementCall.objects.exists()
    page.get_by_label("Dni od doręczenia").fill("7")
    page.follow(page.get_by_role("button", name="Opieczętuj i wyślij wezwanie"))
    call = SupplementCall.objects.get()
    assert call.case_id == case.pk and call.days == 7 and call.due_on is None
    assert "jeszcze nie doręczono" in page.locator("main").inner_text()

    page.goto(f"/backoffice/sprawy/{other.pk}/terminy/")
    page.get_by_label("Wynik").select_option("withdrawn")
    page.follow(page.get_by_role("button", name="Zakończ sprawę"))
    closure = CaseClosure.objects.get(case=other)
    assert closure.archival_category == "B10"

    page.follow(page.get_by_role("link", name="Archiwum zakładowe"))
    page.locator("select[name=department]").select_option(str(setup.department.pk))
    page.get_by_label("Akta spraw zakończonych do").fill(closure.closed_on.isoformat())
    page.follow(page.get_by_role("button", name="Sporządź spis zdawczo-odbiorczy"))
    transfer = TransferList.objects.get()
    assert "Odpisy aktów stanu cywilnego" in page.locator("main").inner_text()
    assert page.url.endswith(f"/backoffice/archiwum/spisy/{transfer.pk}/")


def test_the_party_files_a_complaint_about_delay(a11y_page, world):
    _setup, case, _other, applicant = world
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(applicant.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.goto(f"/sprawy/{case.pk}/")
    page.follow(page.get_by_role("link", name="Wnieś ponaglenie"))
    page.follow(page.get_by_role("button", name="Wnieś ponaglenie"))
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Czego dotyczy ponaglenie").select_option("protraction")
    page.get_by_label("Uzasadnienie").fill("Sprawa stoi od miesięcy.")
    page.follow(page.get_by_role("button", name="Wnieś ponaglenie"))
    complaint = DelayComplaint.objects.get()
    assert complaint.filed_by == applicant and complaint.kind == "protraction"
    assert "Ponaglenie zostało zarejestrowane" in page.locator("main").inner_text()
