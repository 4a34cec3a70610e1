"""The public "Verify a document" page in Chromium, checked by axe-core."""

from __future__ import annotations

import pytest

from signatures import services
from signatures.signer import TrustedProfile, sign_enveloped
from signatures.tests import providers
from signatures.tests.corpus.build import BASE
from signatures.tests.pki import build_pki

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pki():
    instance = build_pki()
    yield instance
    instance.stop()


@pytest.fixture
def trusted(settings, pki):
    from signatures import pkix

    providers.ANCHORS[:] = [pki.root.der]
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = "signatures.tests.providers.anchors"
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = [pkix.fingerprint(pki.seal.cert)]
    services.reset_environment()
    yield
    providers.ANCHORS[:] = []
    services.reset_environment()


def _upload(page, path) -> str:
    page.goto("/weryfikacja/")
    page.set_input_files("#id_document", str(path))
    page.follow(page.locator("button[name=format][value=html]"))
    return page.locator("section[aria-labelledby=report-heading]").inner_text()


def test_verify_page_in_plain_words(a11y_page, pki, trusted, tmp_path) -> None:
    profile = TrustedProfile(
        given_name="Anna", surname="Nowak", pesel="02070803628", account_id="7"
    )
    signed = sign_enveloped(
        BASE,
        key=pki.seal.signing_key,
        cert_chain=[pki.seal.cert, pki.ca.cert],
        trusted_profile=profile,
    )
    page = a11y_page
    valid = tmp_path / "wniosek.xml"
    valid.write_bytes(signed)
    report = _upload(page, valid)
    assert "Wynik: ważny" in report
    assert "Anna Nowak, PESEL 02070803628" in report
    assert "podpis osobisty SEKAP (pieczęć SEKAP potwierdzająca tożsamość osoby)" in report
    assert "cały dokument" in report
    assert "Nie ma dowodu, kiedy dokument został podpisany" in report
    # the codes are there, collapsed: not shown until the person opens the details
    details = page.locator("article details").first
    assert details.get_attribute("open") is None
    assert not page.get_by_text("TOTAL_PASSED").first.is_visible()
    details.locator("summary").click()
    assert page.get_by_text("TOTAL_PASSED").first.is_visible()
    page.check()

    tampered = tmp_path / "zmieniony.xml"
    tampered.write_bytes(signed.replace(b"Kowalski", b"Kowalsky", 1))
    assert signed != tampered.read_bytes()
    report = _upload(page, tampered)
    assert "Wynik: nieważny" in report
    assert "Dokument został zmieniony po podpisaniu" in report
    assert "Digest mismatch" not in report.split("Szczegóły techniczne")[0]
    assert not page.get_by_text("HASH_FAILURE").first.is_visible()


def test_verify_page_signed_pdf_and_file_with_its_separate_signature(
    a11y_page, pki, trusted, tmp_path
) -> None:
    from signatures.tests.pdfs import make_pdf, sign_pdf
    from signatures.tests.test_detached import xmlsec1_detached

    page = a11y_page
    signed = tmp_path / "decyzja.pdf"
    signed.write_bytes(
        sign_pdf(make_pdf(2), key=pki.signer.key, chain=[pki.signer.cert, pki.ca.cert])
    )
    report = _upload(page, signed)
    assert "Wynik: ważny" in report
    assert "Jan Kowalski, PESEL 44051401359" in report
    assert "cały dokument" in report
    page.check()

    pdf = make_pdf(1)
    signing_dir = tmp_path / "podpis"
    signing_dir.mkdir()
    xades = signing_dir / "wniosek.pdf.xades"
    xades.write_bytes(xmlsec1_detached(signing_dir, pki, {"wniosek.pdf": pdf}, ["wniosek.pdf"]))
    other = tmp_path / "wniosek.pdf"
    other.write_bytes(make_pdf(1, text="Inny dokument"))
    page.goto("/weryfikacja/")
    page.set_input_files("#id_document", str(other))
    page.set_input_files("#id_signature", str(xades))
    page.follow(page.locator("button[name=format][value=html]"))
    report = page.locator("section[aria-labelledby=report-heading]").inner_text()
    assert "Wynik: nieważny" in report
    assert "osobny plik: wniosek.pdf" not in report  # nothing verified, so nothing "signed"
    page.check()


def test_verify_page_unreadable_pdf_gets_a_specific_error(a11y_page, tmp_path) -> None:
    pdf = tmp_path / "decyzja.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\n")
    page = a11y_page
    page.goto("/weryfikacja/")
    page.set_input_files("#id_document", str(pdf))
    page.follow(page.locator("button[name=format][value=html]"))
    summary = page.locator(".error-summary").inner_text()
    assert "Nie można odczytać tego pliku PDF" in summary
    page.check()


def test_verify_page_error_summary_without_file(a11y_page) -> None:
    page = a11y_page
    page.goto("/weryfikacja/")
    page.follow(page.locator("button[name=format][value=html]"))
    assert page.locator(".error-summary").is_visible()
