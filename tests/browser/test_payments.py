"""A citizen files a fee-bearing application, pays at once in the sandbox bank (BLIK code),
returns, and the case shows the fee paid; another pays by bank transfer and is matched from
the bank's MT940 statement. Every page checked by axe-core and for 320 px reflow (the sandbox
bank's page included)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time

import pytest
from django.conf import settings
from django.core.management import call_command

from documents.models import Case, Submission
from payments.models import PaymentOrder
from payments.services.seed import payments_seed
from payments.statements.samples import SampleCredit, mt940_bytes
from portal.tests.fixtures import (  # noqa: F401
    PDF,
    ca,
    cert_profiles,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, VerifiedCitizenFactory


def _log_in_and_file(page, catalogue, user, *, proxy: str = "") -> None:
    """Log in and file the fee-bearing application (a certificate). ``proxy``: "" (filed in
    person), "family" (by a proxy who is close family) or "other" (any other proxy)."""
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))

    # the service says what it costs and that paying comes right after sending
    page.goto(f"/uslugi/{catalogue.service.pk}/")
    page.follow(page.get_by_role("button", name="Rozpocznij"))
    page.fill("[name=Wnioskodawca__first_name]", user.first_name)
    page.fill("[name=Wnioskodawca__last_name]", user.last_name)
    page.fill("[name=Wnioskodawca__pesel]", user.pesel)
    page.fill("[name=Wnioskodawca__address__postal_code]", "44-100")
    page.fill("[name=Wnioskodawca__address__city]", "Gliwice")
    page.fill("[name=Wnioskodawca__address__building]", "3")
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
    if proxy:
        page.locator("[name=PrzezPelnomocnika][value=true]").check()
        family = "true" if proxy == "family" else "false"
        page.locator(f"[name=PelnomocnikBliskiKrewny][value={family}]").check()
        page.set_input_files(
            "[name=Pelnomocnictwo]",
            files=[{"name": "pelnomocnictwo.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
    else:
        page.locator("[name=PrzezPelnomocnika][value=false]").check()
    page.get_by_label(re.compile("Oświadczam, że dane podane we wniosku")).check()
    page.fill("[name=MiejscowoscDokumentu]", "Gliwice")
    page.follow(page.get_by_role("button", name="Zapisz i sprawdź wniosek"))
    assert "Po wysłaniu wniosku SEKAP nada płatności osobny numer rachunku" in page.content()
    page.follow(page.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    page.follow(page.get_by_role("button", name="Podpisz podpisem osobistym SEKAP"))
    page.follow(page.get_by_role("button", name="Wyślij do urzędu"))


@pytest.fixture
def pipeline(request):
    """The intake and the bank's notifications run eagerly, or in a real worker on the
    PostgreSQL/Redis pass."""
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker_process")


def test_citizen_pays_the_stamp_duty_in_the_sandbox_bank(
    a11y_page,
    live_server,
    live_trust,  # noqa: F811
    pipeline,
):
    catalogue = load_catalogue()
    payments_seed()
    user = VerifiedCitizenFactory(
        email="ewa@example.test", first_name="Ewa", last_name="Zielińska", pesel="44051401359"
    )
    page = a11y_page
    _log_in_and_file(page, catalogue, user)

    # received: offered to pay at once
    assert page.locator("main h1").first.inner_text() == "Wniosek przyjęty"
    submission = Submission.objects.get(submitter=user)
    order = PaymentOrder.objects.get(payer=user)
    assert order.amount_grosze == 1700
    page.follow(page.get_by_role("link", name="Zapłać teraz"))
    assert page.locator(".order-amount").inner_text() == "17,00\u00a0zł"
    assert page.locator(".transfer-qr svg").count() == 1
    assert page.locator(".account-number").inner_text().replace(" ", "") == order.virtual_account
    page.follow(page.get_by_role("button", name=re.compile("Zapłać 17,00")))

    # the sandbox bank: a wrong code is refused with an error summary, then paid
    assert page.locator("main h1").first.inner_text() == "Bank testowy: płatność"
    page.get_by_label("Kod BLIK").fill("12")
    page.follow(page.get_by_role("button", name="Zapłać", exact=True))
    assert "Kod BLIK: wpisz sześć cyfr" in page.locator(".error-summary").inner_text()
    page.get_by_label("Kod BLIK").fill("123456")
    page.follow(page.get_by_role("button", name="Zapłać", exact=True))

    # back in SEKAP: the return page asked the bank, the order is paid, with a receipt
    assert "Dziękujemy: opłata została uiszczona." in page.locator(".messages").inner_text()
    assert page.locator("#order-status").inner_text() == "zapłacono"
    receipt = page.get_by_role("link", name=re.compile(r"Potwierdzenie SEKAP.\d+.\d+"))
    pdf = page.request.get(live_server.url + receipt.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # the case shows the fee paid
    deadline = time.monotonic() + 60
    while not Case.objects.filter(submissions=submission).exists():
        assert time.monotonic() < deadline, "the intake pipeline did not open a case"
        time.sleep(0.5)
    case = Case.objects.get(submissions=submission)
    page.goto(f"/sprawy/{case.pk}/")
    assert "Uiszczono opłatę w wysokości 17,00 zł." in page.locator(".history").inner_text()
    assert "zapłacono" in page.locator(".fee-orders").inner_text()
    page.goto("/platnosci/")
    assert case.sign in page.locator("table").inner_text()


def test_a_proxy_pays_for_the_power_of_attorney_unless_close_family(
    a11y_page,
    live_trust,  # noqa: F811
    pipeline,
):
    """Filing through a proxy adds the 17 zł stamp duty on the power of attorney; a proxy who
    is the applicant's spouse, ascendant, descendant or sibling is exempt (the form asks)."""
    catalogue = load_catalogue()
    payments_seed()
    page = a11y_page
    for proxy, expected in (("other", 3400), ("family", 1700)):
        user = VerifiedCitizenFactory(
            email=f"{proxy}@example.test", first_name="Ewa", last_name="Zielińska"
        )
        _log_in_and_file(page, catalogue, user, proxy=proxy)
        assert page.locator("main h1").first.inner_text() == "Wniosek przyjęty"
        order = PaymentOrder.objects.get(payer=user)
        assert order.amount_grosze == expected
        codes = [line["code"] for line in order.lines]
        assert ("IV.1" in codes) is (proxy == "other")
        page.follow(page.get_by_role("link", name="Zapłać teraz"))
        amount = f"{expected // 100},00\u00a0zł"
        assert page.locator(".order-amount").inner_text() == amount
        page.context.clear_cookies()


def test_citizen_pays_by_transfer_and_is_matched_from_an_mt940_statement(
    a11y_page,
    live_trust,  # noqa: F811
    pipeline,
    tmp_path,
):
    catalogue = load_catalogue()
    payments_seed()
    user = VerifiedCitizenFactory(
        email="jan@example.test", first_name="Jan", last_name="Nowak", pesel="02070803628"
    )
    page = a11y_page
    _log_in_and_file(page, catalogue, user)
    submission = Submission.objects.get(submitter=user)
    order = PaymentOrder.objects.get(payer=user)

    # the citizen reads the transfer details and pays from their own bank
    page.follow(page.get_by_role("link", name="Zapłać teraz"))
    facts = page.locator("dl.facts").last.inner_text()
    account = page.locator(".account-number").inner_text().replace(" ", "")
    assert account == order.virtual_account and order.title in facts and "17,00" in facts

    # the office's bank statement arrives: the credit names the virtual account
    statement = tmp_path / "wyciag.sta"
    statement.write_bytes(
        mt940_bytes(
            account=order.account.iban[2:],
            number=1,
            day=dt.date.today(),
            credits=[
                SampleCredit(
                    amount_grosze=order.amount_grosze,
                    title=order.title,
                    payer_name="JAN NOWAK",
                    payer_account="96105011130000000123456781",
                    credited_account=account[2:],
                )
            ],
        )
    )
    out = io.StringIO()
    call_command("import_statement", str(statement), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["format"], result["credits"], result["matched"], result["unmatched"]) == (
        "mt940",
        1,
        1,
        0,
    )

    page.reload()
    assert page.locator("#order-status").inner_text() == "zapłacono"
    deadline = time.monotonic() + 60
    while not Case.objects.filter(submissions=submission).exists():
        assert time.monotonic() < deadline, "the intake pipeline did not open a case"
        time.sleep(0.5)
    case = Case.objects.get(submissions=submission)
    page.goto(f"/sprawy/{case.pk}/")
    assert "Uiszczono opłatę w wysokości 17,00 zł." in page.locator(".history").inner_text()
