"""A newcomer files a signed application the same day through login.gov.pl, in Chromium with
axe-core on every page: no registration e-mail, no office visit. The platform's fake node
speaks the real protocol (signed AuthnRequest, artifact, signed SOAP back channel, encrypted
and signed assertion)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from documents.models import Submission
from portal.tests.fixtures import (  # noqa: F401
    PDF,
    ca,
    cert_profiles,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.models import User, VerificationMethod
from signatures import services as signatures

PESEL = "85031204120"  # Anna Testowa, one of the fake node's test people


@pytest.fixture
def pipeline(request):
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker_process")


def test_a_newcomer_files_through_login_gov_pl(a11y_page, live_server, live_trust, pipeline):  # noqa: F811
    catalogue = load_catalogue()
    page = a11y_page

    # 1. the login page offers login.gov.pl (the fake node: "login.gov.pl (test)")
    page.goto("/konto/logowanie/")
    # Without JavaScript the person presses "continue" themselves: shown (and checked) here.
    page.route("**/autosubmit.js", lambda route: route.abort())
    page.follow(page.get_by_role("button", name="login.gov.pl (test)"))
    assert page.locator("main h1").first.inner_text() == "Przejdź do login.gov.pl"
    page.follow(page.get_by_role("button", name="Przejdź do login.gov.pl"))

    # 2. the node: pick a test person and the level of assurance
    assert page.locator("main h1").first.inner_text() == "login.gov.pl (test)"
    page.get_by_label(re.compile(f"Anna Testowa \\(PESEL {PESEL}\\)")).check()
    page.get_by_label("Poziom bezpieczeństwa").select_option("substantial")
    page.follow(page.get_by_role("button", name="Zaloguj się"))

    # 3. back at SEKAP, confirmed: create the account with an e-mail address
    assert page.locator("main h1").first.inner_text() == (
        "Twoja tożsamość została potwierdzona przez login.gov.pl"
    )
    assert PESEL in page.locator("main").inner_text()
    page.fill("[name=create-email]", "anna.testowa@example.test")
    page.get_by_label(re.compile("Zapoznałem")).check()
    page.follow(page.get_by_role("button", name="Załóż konto"))
    user = User.objects.get(email="anna.testowa@example.test")
    assert user.is_identity_verified and user.verified_method == VerificationMethod.NATIONAL_NODE
    page.goto("/konto/tozsamosc/")
    assert "Twoja tożsamość jest potwierdzona" in page.content()

    # 4. a service, filled in and signed with the SEKAP personal signature at once
    page.goto(f"/uslugi/{catalogue.other.pk}/")
    page.follow(page.get_by_role("button", name="Rozpocznij"))
    page.fill("[name=Wnioskodawca__first_name]", "Anna")
    page.fill("[name=Wnioskodawca__last_name]", "Testowa")
    page.fill("[name=Wnioskodawca__pesel]", PESEL)
    page.fill("[name=Wnioskodawca__address__postal_code]", "43-200")
    page.fill("[name=Wnioskodawca__address__city]", "Pszczyna")
    page.fill("[name=Wnioskodawca__address__building]", "1")
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    page.fill("[name=Przedmiot]", "Potwierdzenie zameldowania na pobyt stały.")
    page.fill("[name=Cel]", "do banku")
    page.fill("[name=LiczbaEgzemplarzy]", "1")
    page.get_by_label("na skrzynkę w SEKAP").check()
    page.set_input_files(
        "[name=DowodOplaty]",
        files=[{"name": "oplata.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.follow(page.get_by_role("button", name="Zapisz i przejdź dalej"))
    page.locator("[name=PrzezPelnomocnika][value=false]").check()
    page.get_by_label(re.compile("Oświadczam, że dane podane we wniosku")).check()
    page.fill("[name=MiejscowoscDokumentu]", "Pszczyna")
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))
    page.follow(page.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    page.follow(page.get_by_role("button", name="Podpisz podpisem osobistym SEKAP"))
    assert page.locator("main h1").first.inner_text() == "Wyślij wniosek"
    page.follow(page.get_by_role("button", name="Wyślij do urzędu"))

    # 5. received, with a UPO sealed by the office
    assert page.locator("main h1").first.inner_text() == "Wniosek przyjęty"
    submission = Submission.objects.get(submitter=user)
    upo_link = page.get_by_role("link", name="Pobierz UPO (XML)")
    upo = page.request.get(live_server.url + upo_link.get_attribute("href"))
    assert signatures.validate(upo.body()).indication == "TOTAL_PASSED"
    assert submission.sha256 in upo.text()
    # The application carries the SEKAP personal signature naming the node-verified person.
    report = signatures.validate(bytes(submission.document))
    assert report.indication == "TOTAL_PASSED"
    (signature,) = report.signatures
    assert signature.trusted_profile is not None
    assert signature.trusted_profile.pesel == PESEL
