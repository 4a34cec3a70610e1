from __future__ import annotations

import pytest
from cryptography import x509
from django.contrib.auth.models import Group, Permission

from certauth.models import Certificate, CertificateRequest
from certauth.tests.fixtures import make_csr
from sekap.accounts.tests.factories import (
    StaffFactory,
    VerifiedCitizenFactory,
    login_with_second_factor,
)
from sekap.datetimes import polish_date, polish_datetime

pytestmark = pytest.mark.django_db


def test_citizen_uploads_csr_operator_approves_holder_downloads(ca, client, settings):
    from cryptography.hazmat.primitives import serialization

    citizen = VerifiedCitizenFactory(first_name="Anna", last_name="Nowak")
    client.force_login(citizen)
    assert client.get("/certyfikaty/nowy/").status_code == 200
    _key, csr_der = make_csr()
    csr_pem = x509.load_der_x509_csr(csr_der).public_bytes(serialization.Encoding.PEM).decode()
    response = client.post("/certyfikaty/nowy/", {"csr": csr_pem})
    assert response.status_code == 302
    request = CertificateRequest.objects.get(requester=citizen)
    assert request.origin == "upload"
    response = client.post("/certyfikaty/nowy/", {"csr": "nonsense"})
    assert "error-summary" in response.content.decode()

    operator = StaffFactory()
    operator.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    operator.groups.add(Group.objects.create(name="office-2466011"))
    client.logout()
    login_with_second_factor(client, operator)
    queue = client.get("/backoffice/pki/")
    assert f"/backoffice/pki/wnioski/{request.pk}/" in queue.content.decode()
    assert polish_datetime(request.created_at) in queue.content.decode()  # dd.mm.rrrr gg:mm
    assert client.post(f"/backoffice/pki/wnioski/{request.pk}/zatwierdz/").status_code == 302
    certificate = Certificate.objects.get(request=request)

    client.logout()
    client.force_login(citizen)
    listing = client.get("/certyfikaty/").content.decode()
    assert certificate.serial_hex in listing
    assert polish_date(certificate.not_after) in listing
    assert certificate.not_after.date().isoformat() not in listing
    pem = client.get(f"/certyfikaty/{certificate.pk}/pobierz.pem").content
    assert pem.count(b"BEGIN CERTIFICATE") == 3  # certificate, issuing CA, root
    assert client.get(f"/certyfikaty/{certificate.pk}/pobierz.der").content == bytes(
        certificate.der
    )
    other = VerifiedCitizenFactory()
    client.force_login(other)
    assert client.get(f"/certyfikaty/{certificate.pk}/pobierz.pem").status_code == 404
    found = client.get("/certyfikaty/szukaj/", {"serial": certificate.serial_hex.upper()})
    assert "Anna Nowak" in found.content.decode()
    assert polish_date(certificate.not_before) in found.content.decode()


def test_backoffice_needs_operator_and_console_needs_admin(ca, client):
    staff = StaffFactory()
    login_with_second_factor(client, staff)
    assert client.get("/backoffice/pki/").status_code == 403
    assert client.get("/backoffice/pki/konsola/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="administer_ca"))
    console = client.get("/backoffice/pki/konsola/")
    assert console.status_code == 200
    assert "SEKAP Issuing CA 1" in console.content.decode()
    before = ca.crls.count()
    assert client.post("/backoffice/pki/konsola/", {"ca": ca.pk}).status_code == 302
    assert ca.crls.count() == before + 2


def test_staff_requests_office_seal_and_own_approval_is_refused(ca, client, settings):
    settings.CERTAUTH_OFFICE_NAMES = {"2466011": "Urząd Miasta Gliwice"}
    admin = StaffFactory()
    admin.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    admin.groups.add(Group.objects.create(name="office-2466011"))
    login_with_second_factor(client, admin)
    assert client.get("/backoffice/pki/nowy/").status_code == 200
    from cryptography.hazmat.primitives import serialization

    csr_pem = x509.load_der_x509_csr(make_csr()[1]).public_bytes(serialization.Encoding.PEM)
    response = client.post(
        "/backoffice/pki/nowy/",
        {"kind": "office-seal", "office_terc": "2466011", "csr": csr_pem.decode()},
    )
    assert response.status_code == 302
    request = CertificateRequest.objects.get(profile__slug="office-seal")
    assert request.office_name == "Urząd Miasta Gliwice"
    page = client.get(f"/backoffice/pki/wnioski/{request.pk}/").content.decode()
    assert f"/wnioski/{request.pk}/zatwierdz/" not in page  # no approve button for own request
    response = client.post(f"/backoffice/pki/wnioski/{request.pk}/zatwierdz/")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "pending"
    assert not Certificate.objects.filter(request=request).exists()


def test_ra_queue_query_count_does_not_grow_with_requests(
    ca, client, django_assert_max_num_queries
):
    from certauth.models import Profile
    from certauth.services.enrolment import request_submit

    operator = StaffFactory()
    operator.user_permissions.add(Permission.objects.get(codename="operate_ra"))
    login_with_second_factor(client, operator)
    profile = Profile.objects.get(slug="citizen-signing")
    for pesel in ("44051401359", "02070803628", "90090515836"):
        citizen = VerifiedCitizenFactory(pesel=pesel)
        request_submit(user=citizen, profile=profile, csr=make_csr()[1], origin="upload")
    with django_assert_max_num_queries(12):
        page = client.get("/backoffice/pki/")
    assert page.content.decode().count("/backoffice/pki/wnioski/") == 3
