"""Tokens of the platform's in-process TSA (``certauth.tsa``) as the signature validator
reads them (``signatures.tsp.verify_token``), across a change of the time-stamping unit."""

from __future__ import annotations

import pytest

from certauth import tsa
from certauth.tests import fixtures

pki_dir = fixtures.pki_dir
issuing_ca = fixtures.ca

pytestmark = pytest.mark.django_db


def _token_certificate(token_der: bytes) -> bytes:
    from asn1crypto import cms

    signed_data = cms.ContentInfo.load(token_der)["content"]
    return signed_data["certificates"][0].chosen.dump()


def test_tsa_tokens_verify_and_follow_a_new_unit(issuing_ca):
    """The parts a unit repeats in every token are encoded once per process: the tokens still
    verify, carry the unit's certificate, name it and its ESSCertIDv2; a new unit (another
    certificate and key) is used from the next stamp on, without forgetting anything."""
    import hashlib

    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509

    from certauth.models import ServiceIdentity
    from certauth.services.ceremony import _create_service
    from signatures.tsp import verify_token

    first_unit = ServiceIdentity.objects.get(kind="tsa", is_active=True)
    tokens = [tsa.timestamp(f"record {n}".encode()) for n in range(3)]
    for n, token in enumerate(tokens):
        check = verify_token(token, f"record {n}".encode())
        assert check.ok, check
        assert _token_certificate(token) == bytes(first_unit.certificate.der)
    assert not verify_token(tokens[0], b"record 1").ok  # the imprint is checked
    info = cms.ContentInfo.load(tokens[1])["content"]["encap_content_info"]["content"].parsed
    cert = asn1_x509.Certificate.load(bytes(first_unit.certificate.der))
    assert info["tsa"].chosen == cert.subject
    signer_info = cms.ContentInfo.load(tokens[1])["content"]["signer_infos"][0]
    assert signer_info["sid"].chosen["serial_number"].native == cert.serial_number
    ess = next(
        attribute["values"][0]
        for attribute in signer_info["signed_attrs"]
        if attribute["type"].native == "signing_certificate_v2"
    )
    cert_id = ess["certs"][0]
    assert cert_id["cert_hash"].native == hashlib.sha256(cert.dump()).digest()
    assert cert_id["issuer_serial"]["serial_number"].native == cert.serial_number
    assert info["serial_number"].native != (
        cms.ContentInfo.load(tokens[2])["content"]["encap_content_info"]["content"]
        .parsed["serial_number"]
        .native
    )

    ServiceIdentity.objects.filter(pk=first_unit.pk).update(is_active=False)
    second_unit = _create_service(
        kind="tsa",
        ca=issuing_ca,
        profile_slug=first_unit.certificate.profile.slug,
        common_name="SEKAP TSA 2",
        key_type="EC-P256",
    )
    token = tsa.timestamp(b"after the rotation")
    assert verify_token(token, b"after the rotation").ok
    assert _token_certificate(token) == bytes(second_unit.certificate.der)
    assert _token_certificate(token) != bytes(first_unit.certificate.der)
