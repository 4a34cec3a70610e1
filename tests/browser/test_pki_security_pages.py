"""Four-eyes revocation of the platform seal and the ESP machine-token page, in Chromium with
axe (issue 10, items 1 and 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from certauth.models import RevocationRequest
from certauth.services import seals
from certauth.tests import fixtures as certauth_fixtures
from documents.models import EspToken
from offices.models import StaffRole
from offices.services import membership_grant
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.browser

pki_dir = certauth_fixtures.pki_dir


@pytest.fixture
def issuing_ca(transactional_db, pki_dir, settings):
    from certauth.models import CertificateAuthority
    from certauth.services.ceremony import ISSUING_SLUG, ca_init

    settings.CERTAUTH_RA_POLICY = "certauth.authority.PermissionRaPolicy"
    certauth_fixtures.ensure_profiles()
    ca_init()
    seals.forget_cached_seals()
    yield CertificateAuthority.objects.get(slug=ISSUING_SLUG)
    seals.forget_cached_seals()


def _log_in(page, user) -> None:
    client = Client()
    login_with_second_factor(client, user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base_url}]
    )


def _cpd_admin():
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["operate_ra", "administer_ca"])
    )
    return user


def test_platform_seal_is_revoked_only_after_a_second_admin_approves(a11y_page, issuing_ca):
    seals.platform_seal()
    seal = seals.seal_certificate(terc="SEKAP")
    first, second = _cpd_admin(), _cpd_admin()

    _log_in(a11y_page, first)
    a11y_page.goto(f"/backoffice/pki/certyfikaty/{seal.pk}/")
    a11y_page.select_option("#id_reason", "key_compromise")
    a11y_page.follow(a11y_page.locator("form:has(#id_reason) button"))
    seal.refresh_from_db()
    assert seal.status == "valid"
    assert RevocationRequest.objects.get(certificate=seal).status == "pending"
    assert a11y_page.locator("input[value=approve]").count() == 0  # not for the requester

    _log_in(a11y_page, second)
    a11y_page.goto(f"/backoffice/pki/certyfikaty/{seal.pk}/")
    a11y_page.follow(a11y_page.locator("input[value=approve] + button"))
    seal.refresh_from_db()
    assert (seal.status, seal.revocation_reason) == ("revoked", "key_compromise")


def test_office_admin_issues_and_revokes_an_esp_token(a11y_page, issuing_ca):
    office = OfficeFactory()
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=office, role=StaffRole.OFFICE_ADMIN)
    _log_in(a11y_page, admin)
    url = f"/backoffice/esp/{office.terc}/tokeny/"

    a11y_page.goto(url)
    a11y_page.follow(a11y_page.locator("form:has(#id_name) button"))  # empty name: error summary
    assert a11y_page.locator(".error-summary").count() == 1
    a11y_page.fill("#id_name", "EZD serwer")
    a11y_page.follow(a11y_page.locator("form:has(#id_name) button"))
    secret = a11y_page.locator("[role=status] code").inner_text()
    assert secret.startswith("sekap_esp_")
    token = EspToken.objects.get(office=office)
    assert token.revoked_at is None

    a11y_page.follow(a11y_page.locator("input[name=token] + button"))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert secret not in a11y_page.content()
