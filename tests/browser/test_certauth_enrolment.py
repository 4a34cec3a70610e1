"""A verified citizen makes a key in the browser (WebCrypto) and sends only a CSR."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import Permission
from django.test import Client

from certauth.models import CertificateRequest
from certauth.services.enrolment import request_approve
from certauth.tests import fixtures as certauth_fixtures
from sekap.accounts.tests.factories import StaffFactory, VerifiedCitizenFactory

pytestmark = pytest.mark.browser

pki_dir = certauth_fixtures.pki_dir


@pytest.fixture
def issuing_ca(transactional_db, pki_dir):
    # The full URLconf is needed here (base.html links to other apps), so not live_ca.
    from certauth.services.ceremony import ISSUING_SLUG, ca_init

    certauth_fixtures.ensure_profiles()
    ca_init()
    from certauth.models import CertificateAuthority

    return CertificateAuthority.objects.get(slug=ISSUING_SLUG)


def _log_in(a11y_page, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    a11y_page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": a11y_page.base_url}]
    )


def test_browser_key_generation_sends_a_valid_csr(a11y_page, issuing_ca, settings):
    settings.CERTAUTH_RA_POLICY = "certauth.authority.PermissionRaPolicy"
    citizen = VerifiedCitizenFactory(first_name="Anna", last_name="Nowak")
    _log_in(a11y_page, citizen)
    a11y_page.goto("/certyfikaty/nowy/")
    button = a11y_page.locator("#generate-key")
    assert button.is_visible()  # shown only when WebCrypto and IndexedDB exist
    a11y_page.follow(button)
    assert a11y_page.url.endswith("/certyfikaty/")

    request = CertificateRequest.objects.get(requester=citizen)
    assert request.origin == "browser" and request.key_type == "EC-P256"
    csr = x509.load_der_x509_csr(bytes(request.csr_der))
    assert csr.is_signature_valid
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)

    # the private key stays in the browser, stored non-extractable
    stored = a11y_page.evaluate(
        """() => new Promise((resolve, reject) => {
          const open = indexedDB.open("sekap-keys", 1);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const all = open.result.transaction("keys").objectStore("keys").getAll();
            all.onsuccess = () => resolve(all.result.map(r => ({
              extractable: r.keyPair.privateKey.extractable,
              curve: r.keyPair.privateKey.algorithm.namedCurve,
            })));
          };
        })"""
    )
    assert stored == [{"extractable": False, "curve": "P-256"}]

    operator = StaffFactory()
    operator.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    certificate = request_approve(request=request, actor=type(operator).objects.get(pk=operator.pk))
    a11y_page.goto("/certyfikaty/")
    assert certificate.serial_hex in a11y_page.content()
    issued = x509.load_der_x509_certificate(bytes(certificate.der))
    assert issued.public_key() == csr.public_key()
