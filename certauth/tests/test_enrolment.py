from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Group, Permission
from django.core import mail

from certauth.errors import (
    ApprovalNotAllowed,
    BadCsr,
    KeyNotAllowed,
    NotVerified,
    OwnRequest,
    PendingExists,
)
from certauth.models import Certificate, CertificateRequest, Profile
from certauth.services.enrolment import request_approve, request_reject, request_submit
from certauth.services.revocation import certificate_revoke
from certauth.tests.fixtures import make_csr
from sekap.accounts.tests.factories import StaffFactory, UserFactory, VerifiedCitizenFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def operator_of(terc: str, **kwargs):
    user = StaffFactory(**kwargs)
    user.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    group, _ = Group.objects.get_or_create(name=f"office-{terc}")
    user.groups.add(group)
    return type(user).objects.get(pk=user.pk)


def test_citizen_request_approved_by_operator_of_any_office(ca, citizen_profile):
    citizen = VerifiedCitizenFactory(first_name="Anna", last_name="Nowak", pesel="44051401359")
    _key, csr = make_csr(cn="Mallory")  # CSR subject is ignored
    request = request_submit(user=citizen, profile=citizen_profile, csr=csr, origin="upload")
    with pytest.raises(PendingExists):
        request_submit(user=citizen, profile=citizen_profile, csr=csr, origin="upload")
    operator = operator_of("2466011")
    certificate = request_approve(request=request, actor=operator)
    cert = x509.load_der_x509_certificate(bytes(certificate.der))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Anna Nowak"
    assert (
        cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "PNOPL-44051401359"
    )
    request.refresh_from_db()
    assert request.status == "issued" and request.decided_by == operator
    assert certificate.holder == citizen
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == [
        "certauth.request_submitted",
        "certauth.certificate_issued",
        "certauth.request_approved",
    ]


def test_citizen_cannot_approve_own_request(ca, citizen_profile):
    citizen = VerifiedCitizenFactory()
    citizen.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    request = request_submit(
        user=citizen, profile=citizen_profile, csr=make_csr()[1], origin="browser"
    )
    with pytest.raises(OwnRequest):
        request_approve(request=request, actor=type(citizen).objects.get(pk=citizen.pk))
    plain = VerifiedCitizenFactory()
    with pytest.raises(ApprovalNotAllowed):
        request_approve(request=request, actor=plain)
    request.refresh_from_db()
    assert request.status == "pending"
    assert not Certificate.objects.filter(request=request).exists()


def test_unverified_citizen_and_bad_keys_are_refused(ca, citizen_profile):
    with pytest.raises(NotVerified):
        request_submit(
            user=UserFactory(), profile=citizen_profile, csr=make_csr()[1], origin="upload"
        )
    citizen = VerifiedCitizenFactory()
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    weak = make_csr(weak_key)[1]  # too short: must be refused
    with pytest.raises(KeyNotAllowed):
        request_submit(user=citizen, profile=citizen_profile, csr=weak, origin="upload")
    k1 = make_csr(ec.generate_private_key(ec.SECP521R1()))[1]
    with pytest.raises(KeyNotAllowed):
        request_submit(user=citizen, profile=citizen_profile, csr=k1, origin="upload")
    with pytest.raises(BadCsr):
        request_submit(user=citizen, profile=citizen_profile, csr=b"garbage", origin="upload")
    tampered = bytearray(make_csr()[1])
    tampered[-5] ^= 0xFF
    with pytest.raises(BadCsr):
        request_submit(user=citizen, profile=citizen_profile, csr=bytes(tampered), origin="upload")
    assert CertificateRequest.objects.count() == 0


def test_seal_four_eyes_and_office_scope(ca, settings):
    settings.CERTAUTH_OFFICE_NAMES = {
        "2466011": "Urząd Miasta Gliwice",
        "2469011": "Urząd Miasta Katowice",
    }
    seal = Profile.objects.get(slug="office-seal")
    requester_a = operator_of("2466011")
    request = request_submit(
        user=requester_a, profile=seal, csr=make_csr()[1], origin="upload", office_terc="2466011"
    )
    with pytest.raises(ApprovalNotAllowed):  # may not request another office's seal
        request_submit(
            user=requester_a,
            profile=seal,
            csr=make_csr()[1],
            origin="upload",
            office_terc="2469011",
        )
    with pytest.raises(OwnRequest):
        request_approve(request=request, actor=requester_a)
    operator_b = operator_of("2469011")
    with pytest.raises(ApprovalNotAllowed):  # an operator of office B cannot issue A's seal
        request_approve(request=request, actor=operator_b)
    # ... but can approve citizens of any office
    citizen = VerifiedCitizenFactory()
    citizen_request = request_submit(
        user=citizen,
        profile=Profile.objects.get(slug="citizen-signing"),
        csr=make_csr()[1],
        origin="upload",
    )
    request_approve(request=citizen_request, actor=operator_b)
    second_a = operator_of("2466011")
    certificate = request_approve(request=request, actor=second_a)
    cert = x509.load_der_x509_certificate(bytes(certificate.der))
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "TERC-2466011"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Urząd Miasta Gliwice"
    )


def test_reject_and_revocation_notifies_holder(
    ca, citizen_profile, django_capture_on_commit_callbacks
):
    citizen = VerifiedCitizenFactory(email="holder@example.test")
    operator = operator_of("2466011")
    request = request_submit(
        user=citizen, profile=citizen_profile, csr=make_csr()[1], origin="upload"
    )
    request_reject(request=request, actor=operator, reason="Dokument nieczytelny")
    request.refresh_from_db()
    assert request.status == "rejected"
    request = request_submit(
        user=citizen, profile=citizen_profile, csr=make_csr()[1], origin="upload"
    )
    certificate = request_approve(request=request, actor=operator)
    with pytest.raises(ApprovalNotAllowed):  # holders may not use operator-only reasons
        certificate_revoke(certificate=certificate, reason="ca_compromise", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, reason="key_compromise", actor=citizen)
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revocation_reason == "key_compromise"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["holder@example.test"]
    assert certificate.serial_hex in mail.outbox[0].body
