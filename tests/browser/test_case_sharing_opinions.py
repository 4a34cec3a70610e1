"""Sharing a case and asking for opinions in Chromium: the handler shares the case with a
clerk of another department and asks that department for an opinion; axe on each page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles, pki_dir  # noqa: F401
from documents.models import CaseEvent, Opinion
from documents.selectors.worklists import worklist_cases
from documents.services import case_take
from documents.services.workflow import case_transition
from documents.tests.fixtures import clerk_of, make_case, make_service
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    add_totp_device,
    current_code,
)


@pytest.fixture
def examined(transactional_db, pki_dir):  # noqa: F811
    ensure_profiles()
    ca_init()
    setup = make_service(symbol="OR")
    legal = make_service(office=setup.office, symbol="RP", slug="drugi-formularz")
    case = make_case(setup, UserFactory(first_name="Anna", last_name="Nowak"), 1)
    handler = clerk_of(setup)
    case = case_transition(case=case_take(case=case, clerk=handler), transition="accept",
                           actor=handler)  # fmt: skip
    return case, handler, legal, clerk_of(legal)


def test_the_handler_shares_the_case_and_asks_for_an_opinion(a11y_page, examined):
    case, handler, legal, lawyer = examined
    device = add_totp_device(handler)
    page = a11y_page
    page.goto("/backoffice/")
    page.get_by_label("Adres e-mail").fill(handler.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))
    page.goto(f"/backoffice/sprawy/{case.pk}/")

    page.follow(page.get_by_role("link", name="Udostępnienie sprawy poza wydział"))
    page.follow(page.get_by_role("button", name="Udostępnij", exact=True))
    assert page.locator(".error-summary").is_visible()  # nobody chosen
    page.locator("#id_clerk").select_option(str(lawyer.pk))
    page.follow(page.get_by_role("button", name="Udostępnij", exact=True))
    assert lawyer.get_full_name() in page.locator("table").inner_text()
    assert worklist_cases(staff=lawyer, key="shared").filter(pk=case.pk).exists()

    page.goto(f"/backoffice/sprawy/{case.pk}/")
    page.follow(page.get_by_role("link", name="Opinie: poproś o opinię, przeczytaj odpowiedzi"))
    page.locator("#id_addressee").select_option(f"d{legal.department.pk}")
    page.locator("#id_question").fill("Czy podstawa prawna jest właściwa?")
    due = timezone.localdate() + dt.timedelta(days=7)
    page.locator("#id_due_on").fill(due.isoformat())
    page.follow(page.get_by_role("button", name="Zapytaj"))
    opinion = Opinion.objects.get()
    assert opinion.department == legal.department and opinion.case.status == "opinions"
    page.follow(page.get_by_role("link", name="Czy podstawa prawna jest właściwa?"))
    assert "Pytanie" in page.locator("main").inner_text()
    assert CaseEvent.objects.filter(case=case, action="opinion_requested").exists()
