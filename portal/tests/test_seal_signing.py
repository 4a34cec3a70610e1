"""Signing with the SEKAP personal signature (the platform seal) on any address, and what the
person is told when it cannot be made.

The live-server test serves on a random port with the settings' defaults (no SITE_URL, no
external TSA) and real HTTP; the validator's revocation fetches are the only thing routed
in-process, and only after signing.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import Client
from lxml import etree

from documents.models import Receipt, Submission
from documents.tests.fixtures import NoNetwork
from portal.services import drafts as services
from portal.tests.fixtures import load_catalogue
from portal.tests.test_signing import answered
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from signatures import services as signatures

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UPO = "{http://crd.gov.pl/xml/schematy/UPO/2008/05/09/}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Plain HTTP against the live server, logged in as ``user``; follows redirects itself so
    that it keeps every cookie the server sets."""

    def __init__(self, base: str, user) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(_NoRedirects)
        client = Client()
        client.force_login(user)
        self.cookies = {name: morsel.value for name, morsel in client.cookies.items()}

    def _open(self, url: str, body: bytes | None = None) -> tuple[int, str, str]:
        while True:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if body is not None:
                headers["Referer"] = url
            request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
            try:
                response = self.opener.open(request, timeout=60)
            except urllib.error.HTTPError as exc:
                response = exc
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";")[0]
            if response.status in (301, 302, 303):
                url, body = urllib.parse.urljoin(url, response.headers["Location"]), None
                continue
            return response.status, url, response.read().decode()

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(self.base + path)

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        _, _, page = self.get(path)
        token = CSRF.search(page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        return self._open(self.base + path, body)


@pytest.fixture
def defaults(settings):
    """The settings a fresh embedded install runs with."""
    settings.SITE_URL = ""
    settings.SIGNATURES_TSA_URL = ""
    settings.SIGNATURES_TSA_PROVIDER = "certauth.tsa.respond"
    signatures.reset_environment()  # a real HTTP fetcher, as in a running server
    yield settings
    signatures.reset_environment()


def test_seal_signature_and_receipt_on_a_random_port(
    live_server,
    cert_profiles,
    ca,
    defaults,
    settings,
):
    catalogue = load_catalogue()
    user = VerifiedCitizenFactory(first_name="Jan", last_name="Kowalski", pesel="44051401359")
    draft = answered(user, catalogue.service)
    assert not live_server.url.endswith(":8000")
    browser = Browser(live_server.url, user)

    status, url, page = browser.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    assert (status, url) == (200, f"{live_server.url}/wnioski/robocze/{draft.pk}/wyslij/")
    assert "podpis osobisty SEKAP" in page
    draft.refresh_from_db()
    assert (draft.status, draft.signature_method) == ("signed", "trusted_profile")

    # the signature carries a time-stamp of the platform's own TSA, and validates
    signatures.reset_environment()  # revocation data of the SEKAP CA: answered in-process
    signatures.environment().fetcher.fallback = NoNetwork()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER = (
        "certauth.services.seals.platform_seal_fingerprints"
    )
    report = signatures.validate(bytes(draft.signed_document))
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    signature = report.signatures[0]
    assert signature.signature_level == "XAdES-BASELINE-B-T"
    assert [t.indication for t in signature.timestamps] == ["PASSED"]
    assert signature.trusted_profile.pesel == "44051401359"

    # sending: the UPO's verification link is the address actually served
    status, url, _ = browser.post(
        f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": str(draft.idempotency_key)}
    )
    submission = Submission.objects.get()
    assert url == f"{live_server.url}/wnioski/{submission.public_id}/"
    receipt = Receipt.objects.get(submission=submission)
    link = etree.fromstring(bytes(receipt.xml)).find(
        f".//{UPO}InformacjaUzupelniajaca[@TypInformacjiUzupelniajacej='AdresWeryfikacji']"
    )
    assert link.text == f"{live_server.url}/upo/{receipt.public_id}/"


@pytest.fixture
def unreachable_tsa(settings):
    """An external TSA is configured, and nothing answers at its address."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SIGNATURES_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    signatures.reset_environment()
    yield settings.SIGNATURES_TSA_URL
    signatures.reset_environment()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "pl",
            "Nie udało się teraz złożyć podpisu osobistego SEKAP, ponieważ usługa znakowania "
            "czasem nie odpowiada. Wniosek jest zachowany jako wersja robocza i nic nie zostało "
            "wysłane. Spróbuj ponownie za kilka minut albo pobierz dokument, podpisz go własnym "
            "certyfikatem i prześlij.",
        ),
        (
            "en",
            "The SEKAP personal signature could not be made now, because the time-stamping "
            "service is not answering. Your application is kept as a draft and nothing was sent. "
            "Try again in a few minutes, or download the document, sign it with your own "
            "certificate and upload it.",
        ),
    ],
)
def test_tsa_outage_keeps_the_draft_and_says_what_to_do(
    client, ca, unreachable_tsa, language, expected
):
    catalogue = load_catalogue()
    user = VerifiedCitizenFactory(first_name="Jan", last_name="Kowalski", pesel="44051401359")
    draft = answered(user, catalogue.service)
    before = (draft.status, bytes(draft.document), draft.document_sha256)
    client.force_login(user)
    url = f"/wnioski/robocze/{draft.pk}/podpis/"
    response = client.post(url, {"method": "trusted"}, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert expected in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, bytes(draft.document), draft.document_sha256) == before
    assert draft.signed_document is None and draft.signature_method == ""


@pytest.mark.django_db
def test_tsa_refusal_is_a_signing_failure_not_an_error_page(ca, settings):
    """A TSA that answers, but refuses (here: the platform's TSA without a unit)."""
    from certauth.models import ServiceIdentity
    from portal.services.drafts import SealSigningFailed

    settings.SIGNATURES_TSA_URL = ""
    settings.SIGNATURES_TSA_PROVIDER = "certauth.tsa.respond"
    ServiceIdentity.objects.filter(kind="tsa").update(is_active=False)
    catalogue = load_catalogue()
    user = VerifiedCitizenFactory(pesel="44051401359")
    draft = answered(user, catalogue.service)
    with pytest.raises(SealSigningFailed):
        services.draft_sign_trusted_profile(draft=draft, user=user)
    draft.refresh_from_db()
    assert draft.status == "ready" and draft.signed_document is None
