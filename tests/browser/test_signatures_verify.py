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


def test_verify_page_upload_shows_readable_report(a11y_page, pki, trusted, tmp_path) -> None:
    profile = TrustedProfile(
        given_name="Anna", surname="Nowak", pesel="02070803628", account_id="7"
    )
    signed = sign_enveloped(
        BASE,
        key=pki.seal.signing_key,
        cert_chain=[pki.seal.cert, pki.ca.cert],
        trusted_profile=profile,
    )
    path = tmp_path / "wniosek.xml"
    path.write_bytes(signed)
    page = a11y_page
    page.goto("/weryfikacja/")
    page.set_input_files("#id_document", str(path))
    page.follow(page.locator("button[name=format][value=html]"))
    report = page.locator("section").inner_text()
    assert "TOTAL_PASSED" in report
    assert "Anna Nowak" in report


def test_verify_page_error_summary_without_file(a11y_page) -> None:
    page = a11y_page
    page.goto("/weryfikacja/")
    page.follow(page.locator("button[name=format][value=html]"))
    assert page.locator(".error-summary").is_visible()
