"""Operator and CPD admin pages of the CA, driven in Chromium and checked with axe."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import Group, Permission
from django.test import Client

from certauth.models import Certificate, CertificateRequest, Profile
from certauth.services.enrolment import request_submit
from certauth.tests import fixtures as certauth_fixtures
from sekap.accounts.tests.factories import (
    StaffFactory,
    VerifiedCitizenFactory,
    login_with_second_factor,
)

pytestmark = pytest.mark.browser

pki_dir = certauth_fixtures.pki_dir


@pytest.fixture
def issuing_ca(transactional_db, pki_dir, settings):
    from certauth.models import CertificateAuthority
    from certauth.services.ceremony import ISSUING_SLUG, ca_init

    settings.CERTAUTH_RA_POLICY = "certauth.authority.PermissionRaPolicy"
    certauth_fixtures.ensure_profiles()
    ca_init()
    return CertificateAuthority.objects.get(slug=ISSUING_SLUG)


def test_operator_approves_in_browser_then_suspends(a11y_page, issuing_ca):
    citizen = VerifiedCitizenFactory(first_name="Ewa", last_name="Lis")
    request = request_submit(
        user=citizen,
        profile=Profile.objects.get(slug="citizen-signing"),
        csr=certauth_fixtures.make_csr(ec.generate_private_key(ec.SECP256R1()))[1],
        origin="upload",
    )
    operator = StaffFactory()
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["operate_ra", "administer_ca"])
    )
    operator.groups.add(Group.objects.create(name="office-2466011"))
    client = Client()
    login_with_second_factor(client, operator)
    a11y_page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": a11y_page.base_url,
            }
        ]
    )
    a11y_page.goto("/backoffice/pki/")
    a11y_page.follow(a11y_page.get_by_role("link", name=f"#{request.pk}"))
    a11y_page.follow(a11y_page.locator("form[action$='/zatwierdz/'] button"))
    certificate = Certificate.objects.get(request=request)
    assert CertificateRequest.objects.get(pk=request.pk).status == "issued"

    a11y_page.goto(f"/backoffice/pki/certyfikaty/{certificate.pk}/")
    a11y_page.select_option("#id_reason", "certificate_hold")
    a11y_page.follow(a11y_page.locator("form:has(#id_reason) button"))
    certificate.refresh_from_db()
    assert certificate.status == "on_hold"
    a11y_page.follow(a11y_page.locator("input[value=release] + button"))
    certificate.refresh_from_db()
    assert certificate.status == "valid"

    a11y_page.goto("/backoffice/pki/konsola/")
    assert "SEKAP Issuing CA 1" in a11y_page.content()
    a11y_page.goto(f"/certyfikaty/szukaj/?serial={certificate.serial_hex}")
    assert "Ewa Lis" in a11y_page.content()
