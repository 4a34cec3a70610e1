"""The SoftHSM2 path: CA, OCSP and TSA keys generated in a token and never extractable."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp

from certauth import keys, ocsp, tsa
from certauth.models import CertificateAuthority, Profile, ServiceIdentity
from certauth.selectors import latest_crl
from certauth.services.ceremony import ISSUING_SLUG, ca_init
from certauth.services.issuance import certificate_issue, citizen_subject
from tests.support import require_softhsm, softhsm_reload

MODULE = "/usr/lib/softhsm/libsofthsm2.so"

pytestmark = pytest.mark.django_db


@pytest.fixture
def softhsm(settings, tmp_path, monkeypatch, pki_dir):
    require_softhsm()
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "SEKAP-TEST",
            "--so-pin",
            "5678",
            "--pin",
            "1234",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    softhsm_reload()
    settings.CA_PKCS11_MODULE = MODULE
    settings.CA_PKCS11_TOKEN_LABEL = "SEKAP-TEST"
    settings.CA_PKCS11_PIN = "1234"
    keys.forget_loaded_keys()
    yield
    keys.forget_loaded_keys()


def test_token_keys_sign_certificates_crls_ocsp_and_timestamps(softhsm, pki_dir):
    ca_init()
    ca = CertificateAuthority.objects.get(slug=ISSUING_SLUG)
    assert ca.key_ref.startswith("pkcs11:") and ca.parent.key_ref.startswith("pkcs11:")
    assert all(s.key_ref.startswith("pkcs11:") for s in ServiceIdentity.objects.all())
    assert list(pki_dir.glob("*.p8.pem")) == []  # nothing written to disk

    # the private keys in the token are sensitive and not extractable
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    session = keys._token().session()
    privates = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    assert len(privates) == 4
    for private in privates:
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.exceptions.PKCS11Error):
            private[Attribute.VALUE]

    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate_issue(
        ca=ca,
        profile=Profile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(given_name="Ewa", surname="Lis", pesel="85010112345"),
        actor=None,
    )
    issuer = x509.load_der_x509_certificate(bytes(ca.certificate_der))
    root = x509.load_der_x509_certificate(bytes(ca.parent.certificate_der))
    issuer.verify_directly_issued_by(root)
    leaf_cert = x509.load_der_x509_certificate(bytes(leaf.der))
    leaf_cert.verify_directly_issued_by(issuer)
    crl = x509.load_der_x509_crl(bytes(latest_crl(ca=ca).der))
    assert crl.is_signature_valid(issuer.public_key())

    request = (
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate(
            leaf_cert, issuer, __import__("cryptography").hazmat.primitives.hashes.SHA1()
        )
        .build()
    )
    from cryptography.hazmat.primitives import serialization

    ocsp.registry.clear()
    response = x509_ocsp.load_der_ocsp_response(
        ocsp.respond(request.public_bytes(serialization.Encoding.DER))
    )
    assert response.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
    responder = response.certificates[0]
    responder.verify_directly_issued_by(issuer)
    responder.public_key().verify(
        response.signature, response.tbs_response_bytes, ec.ECDSA(response.signature_hash_algorithm)
    )

    from asn1crypto import tsp as asn1_tsp

    query = asn1_tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": b"\x11" * 32,
            },
            "cert_req": True,
        }
    ).dump()
    reply = asn1_tsp.TimeStampResp.load(tsa.respond(query))
    assert reply["status"]["status"].native == "granted"
    signer_info = reply["time_stamp_token"]["content"]["signer_infos"][0]
    tsa_cert = x509.load_der_x509_certificate(
        reply["time_stamp_token"]["content"]["certificates"][0].chosen.dump()
    )
    signed = signer_info["signed_attrs"].untag().dump()
    signed = b"\x31" + signed[1:]
    tsa_cert.public_key().verify(
        signer_info["signature"].native,
        signed,
        ec.ECDSA(__import__("cryptography").hazmat.primitives.hashes.SHA256()),
    )


def test_office_and_platform_seals_are_created_on_the_token(softhsm, pki_dir):
    """With PKCS#11 configured the seals' keys are generated in the token (issue 10, item 9)."""
    import pkcs11
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from pkcs11 import Attribute, ObjectClass

    from certauth.services import seals

    ca_init()
    seals.forget_cached_seals()
    try:
        key, chain = seals.office_seal(terc="2466011", name="Urząd Miasta Gliwice")
        platform_key, _platform_chain = seals.platform_seal()
    finally:
        seals.forget_cached_seals()
    assert key.in_token and platform_key.in_token
    rows = [seals.seal_certificate(terc="2466011"), seals.seal_certificate(terc="SEKAP")]
    assert all(row.key_ref.startswith("pkcs11:seal-") for row in rows)
    assert list(pki_dir.glob("*.p8.pem")) == []  # no seal key written to disk

    session = keys._token().session()
    label = rows[0].key_ref.removeprefix("pkcs11:")
    private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    assert private[Attribute.EXTRACTABLE] is False and private[Attribute.SENSITIVE] is True
    with pytest.raises(pkcs11.exceptions.PKCS11Error):
        private[Attribute.VALUE]

    # the token key makes an XMLDSig signature value (r||s over SHA-256) the certificate verifies
    raw = key.sign(b"<UPO/>")
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    chain[0].public_key().verify(signature, b"<UPO/>", ec.ECDSA(hashes.SHA256()))

    # a fresh process (cache dropped) finds the same token key through the stored reference
    keys.forget_loaded_keys()
    again, chain_again = seals.office_seal(terc="2466011", name="Urząd Miasta Gliwice")
    seals.forget_cached_seals()
    assert chain_again[0] == chain[0] and again.signer.key_ref == rows[0].key_ref
