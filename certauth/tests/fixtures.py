"""Fixtures shared by certauth's unit tests and the cross-app interop/browser tests."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certauth import keys, ocsp
from certauth.models import CertificateAuthority, Profile
from certauth.services.ceremony import ISSUING_SLUG, ca_init


@pytest.fixture
def pki_dir(settings, tmp_path):
    settings.CERTAUTH_PKI_DIR = str(tmp_path / "pki")
    settings.CA_KEY_PASSPHRASE = "test passphrase"
    settings.CERTAUTH_BASE_URL = "http://127.0.0.1:8000"
    settings.CA_PKCS11_MODULE = ""
    # certauth's own tests use the permission/group policy, not the offices one
    settings.CERTAUTH_RA_POLICY = "certauth.authority.PermissionRaPolicy"
    keys.forget_loaded_keys()
    ocsp.registry.clear()
    yield tmp_path / "pki"
    keys.forget_loaded_keys()
    ocsp.registry.clear()


@pytest.fixture
def ca(db, pki_dir) -> CertificateAuthority:
    ensure_profiles()  # gone when an earlier transactional test flushed the tables
    ca_init()
    return CertificateAuthority.objects.get(slug=ISSUING_SLUG)


def ensure_profiles() -> None:
    """transactional_db flushes the tables, data-migration rows included: put them back."""
    import importlib

    from django.apps import apps

    importlib.import_module("certauth.migrations.0002_profiles").create(apps, None)


@pytest.fixture
def live_ca(transactional_db, pki_dir, settings) -> CertificateAuthority:
    settings.ROOT_URLCONF = "certauth.tests.urls"
    ensure_profiles()
    ca_init()
    return CertificateAuthority.objects.get(slug=ISSUING_SLUG)


def make_csr(key=None, cn: str = "ignored") -> tuple[object, bytes]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.DER)


@pytest.fixture
def citizen_profile(db) -> Profile:
    return Profile.objects.get(slug="citizen-signing")
