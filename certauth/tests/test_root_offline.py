"""The root CA key goes offline after the ceremony; the issuing CA keeps working online;
the root's CRL is signed in an offline ceremony (issue 10, item 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError, call_command
from django.utils import timezone

from certauth import keys, tasks
from certauth.models import CertificateAuthority, Crl, Profile
from certauth.selectors import latest_crl
from certauth.services.ceremony import ISSUING_SLUG, ROOT_SLUG
from certauth.services.crl import crl_publish, crls_due
from certauth.services.issuance import certificate_issue, citizen_subject
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSPHRASE = "offline passphrase 1234"


@pytest.fixture
def offline_root(pki_dir, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    call_command("ca_init")
    root = CertificateAuthority.objects.get(slug=ROOT_SLUG)
    online_file = pki_dir / f"{root.key_ref.removeprefix('file:')}.p8.pem"
    assert online_file.exists()
    monkeypatch.setenv("CA_ROOT_OFFLINE_PASSPHRASE", PASSPHRASE)
    media = tmp_path / "media"
    media.mkdir()
    export = media / "sekap-root.p8.pem"
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after commit
        call_command("ca_root_offline", "--export", str(export))
    return root, online_file, export


def test_root_key_leaves_the_online_store(offline_root, pki_dir):
    root, online_file, export = offline_root
    root.refresh_from_db()
    root_cert = x509.load_der_x509_certificate(bytes(root.certificate_der))

    assert not online_file.exists()
    assert len(list(pki_dir.glob(f"{ROOT_SLUG}-*.p8.pem"))) == 0
    assert len(list(pki_dir.glob("*.p8.pem"))) == 3  # issuing CA, OCSP, TSA stay online
    assert root.key_ref == f"offline:{keys.spki_sha256(root_cert.public_key())}"
    keys.forget_loaded_keys()
    with pytest.raises(keys.KeyOffline):
        keys.load_signer(root.key_ref)
    with pytest.raises(keys.KeyOffline):
        crl_publish(ca=root)
    # the exported key is encrypted and is the root's key
    assert b"ENCRYPTED PRIVATE KEY" in export.read_bytes()
    with pytest.raises((ValueError, TypeError)):
        serialization.load_pem_private_key(export.read_bytes(), password=b"wrong passphrase")
    offline = keys.load_offline_signer(path=export, passphrase=PASSPHRASE.encode())
    assert keys.spki_sha256(offline.public_key) == keys.spki_sha256(root_cert.public_key())
    # a long-lived root CRL was signed before the key left
    crl = latest_crl(ca=root)
    assert crl.next_update > timezone.now() + dt.timedelta(days=170)
    assert x509.load_der_x509_crl(bytes(crl.der)).is_signature_valid(root_cert.public_key())
    entry = AuditEntry.objects.get(action="certauth.root_key_offline")
    assert entry.after == {"key_ref": root.key_ref}
    with pytest.raises(CommandError):  # once only
        call_command("ca_root_offline", "--export", str(export.with_name("again.pem")))


def test_issuing_stays_online_and_beat_skips_the_offline_root(offline_root):
    root, _online_file, _export = offline_root
    issuing = CertificateAuthority.objects.get(slug=ISSUING_SLUG)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate_issue(
        ca=issuing,
        profile=Profile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(given_name="Ewa", surname="Lis", pesel="85010112345"),
        actor=None,
    )
    issuing_cert = x509.load_der_x509_certificate(bytes(issuing.certificate_der))
    x509.load_der_x509_certificate(bytes(leaf.der)).verify_directly_issued_by(issuing_cert)
    full, _delta = crl_publish(ca=issuing)
    assert x509.load_der_x509_crl(bytes(full.der)).is_signature_valid(issuing_cert.public_key())

    CertificateAuthority.objects.update(crl_next_update=timezone.now())  # both due
    assert [ca.slug for ca in crls_due()] == [ISSUING_SLUG]
    before = Crl.objects.filter(ca=root).count()
    tasks.publish_crl(ca_id=root.pk)  # e.g. after revoking a certificate the root issued
    assert Crl.objects.filter(ca=root).count() == before


def test_root_crl_is_signed_offline_by_command(offline_root, monkeypatch):
    root, _online_file, export = offline_root
    root_cert = x509.load_der_x509_certificate(bytes(root.certificate_der))
    before = latest_crl(ca=root).number

    call_command("ca_root_crl", "--key", str(export))

    crl = latest_crl(ca=root)
    assert crl.number == before + 2  # full after the previous full + delta
    assert x509.load_der_x509_crl(bytes(crl.der)).is_signature_valid(root_cert.public_key())
    monkeypatch.setenv("CA_ROOT_OFFLINE_PASSPHRASE", "a wrong passphrase")
    with pytest.raises(CommandError):
        call_command("ca_root_crl", "--key", str(export))
    assert latest_crl(ca=root).number == crl.number


def test_console_explains_instead_of_failing_for_the_offline_root(offline_root, client):
    from django.contrib.auth.models import Permission

    from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

    root, _online_file, _export = offline_root
    admin = StaffFactory()
    admin.user_permissions.add(Permission.objects.get(codename="administer_ca"))
    login_with_second_factor(client, admin)
    before = Crl.objects.filter(ca=root).count()

    response = client.post("/backoffice/pki/konsola/", {"ca": root.pk}, follow=True)

    assert response.status_code == 200
    assert "ca_root_crl" in response.content.decode()
    assert Crl.objects.filter(ca=root).count() == before
    assert client.post("/backoffice/pki/konsola/", {"ca": "x"}).status_code == 404
