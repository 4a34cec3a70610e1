"""CA operators act within their office's RA area; critical certificates need four eyes.

Issue 10, item 1, with the project's real policy (``offices.pki.OfficesRaPolicy``) over HTTP.
"""

import pytest
from django.contrib.auth.models import Permission

from certauth.errors import OutOfScope, OwnRevocationRequest, SecondPersonRequired
from certauth.models import Certificate, CertificateRequest, Profile, RevocationRequest
from certauth.services.enrolment import request_approve, request_submit
from certauth.services.revocation import (
    certificate_release_hold,
    certificate_revoke,
    revocation_request_approve,
)
from certauth.services.seals import office_seal, platform_seal, seal_certificate
from certauth.tests.fixtures import ca, make_csr, pki_dir  # noqa: F401
from offices.models import Office, StaffRole
from offices.services import membership_grant
from sekap.accounts.tests.factories import (
    StaffFactory,
    VerifiedCitizenFactory,
    login_with_second_factor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pki(seeded_offices, ca, settings):  # noqa: F811
    settings.CERTAUTH_RA_POLICY = "offices.pki.OfficesRaPolicy"
    return ca


def _operator(terc: str):
    user = StaffFactory()
    membership_grant(
        actor=None, user=user, office=Office.objects.get(terc=terc), role=StaffRole.CA_OPERATOR
    )
    return user


def _cpd_admin():
    user = StaffFactory()
    membership_grant(
        actor=None, user=user, office=Office.objects.get(terc="24"), role=StaffRole.CPD_ADMIN
    )
    return type(user).objects.get(pk=user.pk)


def _citizen_certificate(operator) -> Certificate:
    citizen = VerifiedCitizenFactory()
    request = request_submit(
        user=citizen,
        profile=Profile.objects.get(slug="citizen-signing"),
        csr=make_csr()[1],
        origin="upload",
    )
    return request_approve(request=request, actor=operator)


def _post(client, certificate, **data):
    return client.post(f"/backoffice/pki/certyfikaty/{certificate.pk}/", data)


def test_operator_cannot_revoke_the_issuing_ca_or_the_platform_seal(client, pki):
    operator = _operator("2466011")
    issuing_ca = Certificate.objects.get(is_ca=True)
    platform_seal()
    seal = seal_certificate(terc="SEKAP")
    login_with_second_factor(client, operator)

    for certificate in (issuing_ca, seal):
        assert client.get(f"/backoffice/pki/certyfikaty/{certificate.pk}/").status_code == 403
        assert _post(client, certificate, reason="ca_compromise").status_code == 403
        assert _post(client, certificate, action="release").status_code == 403
        certificate.refresh_from_db()
        assert certificate.status == "valid"
    assert not RevocationRequest.objects.exists()


def test_operator_acts_only_on_certificates_enrolled_through_their_office(client, pki):
    operator_a, operator_b = _operator("2466011"), _operator("2469011")
    certificate = _citizen_certificate(operator_a)
    assert certificate.ra_office_terc == "2466011"

    login_with_second_factor(client, operator_b)
    assert _post(client, certificate, reason="key_compromise").status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "valid"

    client.logout()
    login_with_second_factor(client, operator_a)
    assert _post(client, certificate, reason="certificate_hold").status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "on_hold"
    with pytest.raises(OutOfScope):  # nor may B release A's hold
        certificate_release_hold(certificate=certificate, actor=operator_b)
    certificate.refresh_from_db()
    assert certificate.status == "on_hold"


def test_platform_seal_revocation_needs_a_second_cpd_admin(client, pki):
    first, second = _cpd_admin(), _cpd_admin()
    platform_seal()
    seal = seal_certificate(terc="SEKAP")
    with pytest.raises(SecondPersonRequired):  # no direct path, even for a CPD admin
        certificate_revoke(certificate=seal, reason="key_compromise", actor=first)

    login_with_second_factor(client, first)
    assert _post(client, seal, action="revoke", reason="key_compromise").status_code == 302
    seal.refresh_from_db()
    assert seal.status == "valid"
    request = RevocationRequest.objects.get(certificate=seal)
    assert (request.status, request.requested_by) == ("pending", first)
    _post(client, seal, action="approve")  # the requester's own approval is refused
    seal.refresh_from_db()
    assert seal.status == "valid"
    with pytest.raises(OwnRevocationRequest):
        revocation_request_approve(request=request, actor=first)
    with pytest.raises(OutOfScope):  # an office's operator cannot approve the platform's seal
        revocation_request_approve(request=request, actor=_operator("2466011"))

    client.logout()
    login_with_second_factor(client, second)
    assert _post(client, seal, action="approve").status_code == 302
    seal.refresh_from_db()
    request.refresh_from_db()
    assert (seal.status, seal.revocation_reason) == ("revoked", "key_compromise")
    assert (request.status, request.decided_by) == ("approved", second)


def test_office_seal_needs_two_operators_of_that_office(pki):
    office_seal(terc="2466011", name="Urząd Miasta Gliwice")
    seal = seal_certificate(terc="2466011")
    assert seal.ra_office_terc == "2466011"
    first, second, other = _operator("2466011"), _operator("2466011"), _operator("2469011")
    from certauth.services.revocation import revocation_request_file

    with pytest.raises(OutOfScope):
        revocation_request_file(certificate=seal, action="revoke", reason="superseded", actor=other)
    request = revocation_request_file(
        certificate=seal, action="revoke", reason="superseded", actor=first
    )
    with pytest.raises(OutOfScope):
        revocation_request_approve(request=request, actor=other)
    revocation_request_approve(request=request, actor=second)
    seal.refresh_from_db()
    assert seal.status == "revoked"


def test_four_eyes_profile_clerk_certificate(pki):
    clerk = StaffFactory()
    office = Office.objects.get(terc="2466011")
    membership_grant(
        actor=None,
        user=clerk,
        office=office,
        role=StaffRole.CLERK,
        department=office.departments.get(symbol="OR"),
    )
    request = request_submit(
        user=clerk,
        profile=Profile.objects.get(slug="clerk-signing"),
        csr=make_csr()[1],
        origin="upload",
    )
    operator = _operator("2466011")
    certificate = request_approve(request=request, actor=operator)
    assert CertificateRequest.objects.get(pk=request.pk).status == "issued"
    with pytest.raises(SecondPersonRequired):  # Profile.four_eyes: no one-person change
        certificate_revoke(certificate=certificate, reason="affiliation_changed", actor=operator)
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    # ... but the holder may always revoke their own certificate at once
    certificate_revoke(certificate=certificate, reason="key_compromise", actor=clerk)
    certificate.refresh_from_db()
    assert certificate.status == "revoked"


def test_permission_policy_operator_without_office_has_no_scope(pki, settings):
    settings.CERTAUTH_RA_POLICY = "certauth.authority.PermissionRaPolicy"
    operator = StaffFactory()
    operator.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    operator = type(operator).objects.get(pk=operator.pk)
    certificate = Certificate.objects.get(is_ca=True)
    with pytest.raises(OutOfScope):
        certificate_revoke(certificate=certificate, reason="ca_compromise", actor=operator)
