from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from django.core.management import CommandError, call_command

from certauth.models import Certificate, CertificateAuthority, Crl, ServiceIdentity
from certauth.services.ceremony import ROOT_SLUG
from certauth.services.issuance import certificate_issue, citizen_subject
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_ca_init_creates_hierarchy_and_is_idempotent(pki_dir):
    call_command("ca_init")
    assert CertificateAuthority.objects.count() == 2
    assert ServiceIdentity.objects.filter(is_active=True).count() == 2
    root = CertificateAuthority.objects.get(slug=ROOT_SLUG)
    root_cert = x509.load_der_x509_certificate(bytes(root.certificate_der))
    issuing = CertificateAuthority.objects.get(parent=root)
    issuing_cert = x509.load_der_x509_certificate(bytes(issuing.certificate_der))
    issuing_cert.verify_directly_issued_by(root_cert)
    assert (
        issuing_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
        == 0
    )
    # keys live in encrypted PKCS#8 files readable by the owner only; the DB holds a reference
    files = sorted(p.name for p in pki_dir.glob("*.p8.pem"))
    assert len(files) == 4
    for path in pki_dir.glob("*.p8.pem"):
        assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert root.key_ref.startswith("file:")
    assert Crl.objects.filter(ca=root).count() == 2  # full + delta
    with pytest.raises(CommandError):
        call_command("ca_init")
    call_command("ca_init", "--if-missing")
    assert CertificateAuthority.objects.count() == 2
    assert ServiceIdentity.objects.count() == 2
    assert AuditEntry.objects.filter(action="certauth.key_ceremony").count() == 1


def test_issue_citizen_certificate(ca, citizen_profile):
    key = ec.generate_private_key(ec.SECP256R1())
    cert_row = certificate_issue(
        ca=ca,
        profile=citizen_profile,
        public_key=key.public_key(),
        subject=citizen_subject(given_name="Anna", surname="Nowak", pesel="44051401458"),
        actor=None,
    )
    cert = x509.load_der_x509_certificate(bytes(cert_row.der))
    assert cert.serial_number.bit_length() >= 64
    assert (
        cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "PNOPL-44051401458"
    )
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.content_commitment and not ku.value.digital_signature
    aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    assert [d.access_location.value for d in aia] == [
        "http://127.0.0.1:8000/pki/ocsp",
        "http://127.0.0.1:8000/pki/ca/sekap-issuing.crt",
    ]
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == "http://127.0.0.1:8000/pki/crl/sekap-issuing.crl"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=730)
    issuer = x509.load_der_x509_certificate(bytes(ca.certificate_der))
    cert.verify_directly_issued_by(issuer)
    assert Certificate.objects.get(pk=cert_row.pk).serial_hex == format(cert.serial_number, "x")
