"""Server-held seals: issued once per office, key in encrypted custody, safe under concurrency."""

from __future__ import annotations

import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.db import connection

from certauth.models import Certificate
from certauth.services import seals
from certauth.tests.fixtures import ensure_profiles
from tests.support import require_postgresql

TERC = "2466011"
NAME = "Urząd Miejski w Gliwicach"


@pytest.fixture(autouse=True)
def _fresh_cache():
    seals.forget_cached_seals()
    yield
    seals.forget_cached_seals()


def _spki(key) -> bytes:
    return key.signer.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_office_seal_is_issued_once_with_chain_and_matching_key(ca, pki_dir):
    key, chain = seals.office_seal(terc=TERC, name=NAME)
    seals.forget_cached_seals()
    key2, chain2 = seals.office_seal(terc=TERC, name=NAME)
    assert Certificate.objects.filter(office_terc=TERC, profile__slug="office-seal").count() == 1
    assert chain[0] == chain2[0] and _spki(key) == _spki(key2)
    leaf, issuing, root = chain
    leaf.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    assert leaf.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"TERC-{TERC}"
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == NAME
    assert _spki(key) == leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment
    # the key signs (XMLDSig r||s over SHA-256), and lives encrypted in custody
    raw = key.sign(b"upo")
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    leaf.public_key().verify(signature, b"upo", ec.ECDSA(hashes.SHA256()))
    assert not key.in_token
    files = list(pki_dir.glob(f"seal-{TERC}-*.p8.pem"))
    assert len(files) == 1 and b"ENCRYPTED PRIVATE KEY" in files[0].read_bytes()


def test_platform_seal_differs_from_office_seals_and_is_listed(ca):
    office_key, _ = seals.office_seal(terc=TERC, name=NAME)
    key, chain = seals.platform_seal()
    assert _spki(key) != _spki(office_key)
    assert chain[0].subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Platforma SEKAP"
    )
    assert seals.platform_seal_fingerprints() == [chain[0].fingerprint(hashes.SHA256()).hex()]
    assert seals.trust_anchors() == [chain[-1].public_bytes(serialization.Encoding.DER)]


def test_revoked_seal_is_replaced(ca):
    _key, chain = seals.office_seal(terc=TERC, name=NAME)
    Certificate.objects.filter(office_terc=TERC).update(status="revoked")
    seals.forget_cached_seals()
    _key2, chain2 = seals.office_seal(terc=TERC, name=NAME)
    assert chain2[0].serial_number != chain[0].serial_number
    assert Certificate.objects.filter(office_terc=TERC, status="valid").count() == 1


def test_seed_seals_is_idempotent(ca, settings, capsys):
    settings.CERTAUTH_SEAL_OFFICES_PROVIDER = "certauth.tests.test_seals.two_offices"
    call_command("seed_seals")
    assert "seals issued 3, already present 0" in capsys.readouterr().out
    call_command("seed_seals")
    assert "seals issued 0, already present 3" in capsys.readouterr().out
    assert Certificate.objects.filter(profile__slug="office-seal").count() == 3


def two_offices() -> list[tuple[str, str]]:
    return [("2466011", "Urząd Miejski w Gliwicach"), ("2469011", "Urząd Miasta Katowice")]


@pytest.mark.postgres
def test_concurrent_first_use_issues_one_seal(transactional_db, pki_dir):
    require_postgresql(connection.vendor, "row locks need PostgreSQL")
    ensure_profiles()
    from certauth.services.ceremony import ca_init

    ca_init()
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _key, chain = seals.office_seal(terc=TERC, name=NAME)
            results.append(chain[0].public_bytes(serialization.Encoding.DER))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 8
    assert Certificate.objects.filter(office_terc=TERC).count() == 1
