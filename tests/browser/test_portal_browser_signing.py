"""Signing in the browser with the key kept by the certauth enrolment (WebCrypto, IndexedDB):
the server prepares the XAdES signature, Chromium computes the ECDSA value, the result
validates as TOTAL_PASSED with the citizen's certificate."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.serialization import load_der_public_key

from certauth.models import CertificateAuthority
from certauth.models import Profile as CertProfile
from certauth.services.ceremony import ISSUING_SLUG
from certauth.services.issuance import certificate_issue, citizen_subject
from portal.models import Draft
from portal.services import drafts
from portal.tests.fixtures import (  # noqa: F401
    ca,
    cert_profiles,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from signatures import services as signatures
from tests.browser.test_portal_pages import filled_draft

# What certauth's enrol.js does: a non-extractable P-256 key pair kept in IndexedDB under the
# first 16 bytes (hex) of the SHA-256 of its SubjectPublicKeyInfo.
MAKE_BROWSER_KEY = """async () => {
  const pair = await crypto.subtle.generateKey(
    {name: "ECDSA", namedCurve: "P-256"}, false, ["sign", "verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", spki));
  const id = Array.from(digest.slice(0, 16)).map(b => b.toString(16).padStart(2, "0")).join("");
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("sekap-keys", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("keys", "readwrite");
      tx.objectStore("keys").put({keyPair: pair, created: new Date().toISOString()}, id);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    };
  });
  return btoa(String.fromCharCode(...spki));
}"""


def test_sign_in_the_browser_with_the_enrolled_key(a11y_page, live_trust):  # noqa: F811
    catalogue = load_catalogue()
    user = UserFactory(
        email="webcrypto@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    draft = drafts.draft_prepare(draft=filled_draft(user, catalogue.service), user=user)
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))

    page.goto(f"/wnioski/robocze/{draft.pk}/podpis/")
    assert page.locator("#browser-sign").count() == 0  # no certificate yet: nothing offered

    spki = base64.b64decode(page.evaluate(MAKE_BROWSER_KEY))
    certificate_issue(
        ca=CertificateAuthority.objects.get(slug=ISSUING_SLUG),
        profile=CertProfile.objects.get(slug="citizen-signing"),
        public_key=load_der_public_key(spki),
        subject=citizen_subject(given_name="Jan", surname="Kowalski", pesel="44051401359"),
        actor=None,
        holder=user,
    )
    page.goto(f"/wnioski/robocze/{draft.pk}/podpis/")
    section = page.locator("#browser-sign")
    section.wait_for(state="visible")
    page.check()
    page.follow(section.get_by_role("button", name="Podpisz moim certyfikatem w tej przeglądarce"))
    assert page.locator("main h1").first.inner_text() == "Wyślij wniosek"
    assert "podpisany w przeglądarce moim certyfikatem" in page.content()
    draft = Draft.objects.get(pk=draft.pk)
    assert draft.status == "signed" and draft.signature_method == "browser"
    report = signatures.validate(bytes(draft.signed_document))
    assert report.indication == "TOTAL_PASSED", report.signatures[0].errors
    assert report.signatures[0].signed_by.pesel == "44051401359"
    assert drafts.same_document(bytes(draft.document), bytes(draft.signed_document))
