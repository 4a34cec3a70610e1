from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from signatures import signer
from signatures.tests.corpus.build import BASE
from signatures.validator import validate_document
from tests.support import require_softhsm, softhsm_reload

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def test_pkcs12_key_signs_b_b(pki, policy, env) -> None:
    p12 = pkcs12.serialize_key_and_certificates(
        b"signer",
        pki.signer.key,
        pki.signer.cert,
        [pki.ca.cert],
        serialization.BestAvailableEncryption(b"secret"),
    )
    key, chain = signer.load_pkcs12(p12, b"secret")
    signed = signer.sign_enveloped(BASE, key=key, cert_chain=chain)
    assert validate_document(signed, policy=policy, env=env).indication == "TOTAL_PASSED"


def test_pem_key_signs_b_t(pki, policy, env) -> None:
    key_pem = pki.signer.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (pki.signer.cert, pki.ca.cert)
    )
    key, chain = signer.load_pem(key_pem, cert_pem)
    signed = signer.sign_enveloped(
        BASE, key=key, cert_chain=chain, level="B-T", tsa_url=f"{pki.base_url}/tsa"
    )
    report = validate_document(signed, policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].timestamps[0].indication == "PASSED"


def test_b_t_without_tsa_url_is_refused(pki) -> None:
    with pytest.raises(signer.SigningError):
        signer.sign_enveloped(
            BASE, key=pki.signer.signing_key, cert_chain=[pki.signer.cert], level="B-T"
        )


def test_signing_refuses_hostile_input(pki) -> None:
    from sekap.xmlsafe import XmlRejected

    with pytest.raises(XmlRejected):
        signer.sign_enveloped(
            b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
            key=pki.signer.signing_key,
            cert_chain=[pki.signer.cert],
        )


@pytest.fixture
def softhsm_token(tmp_path):
    require_softhsm()
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "sekap",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ],
        check=True,
        capture_output=True,
    )
    softhsm_reload()
    yield "sekap"
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def test_pkcs11_key_signs_and_validates(pki, policy, env, softhsm_token) -> None:
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    lib = pkcs11.lib(SOFTHSM)
    token = lib.get_token(token_label=softhsm_token)
    with token.open(rw=True, user_pin="1234") as session:
        params = session.create_domain_parameters(
            KeyType.EC,
            {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
            local=True,
        )
        public, _ = params.generate_keypair(store=True, label="signer")
        spki = encode_ec_public_key(public)
    public_key = serialization.load_der_public_key(spki)
    ident = pki.issue("Card holder", key=public_key)
    key = signer.Pkcs11Key(
        module=SOFTHSM, token_label=softhsm_token, pin="1234", key_label="signer"
    )
    try:
        signed = signer.sign_enveloped(BASE, key=key, cert_chain=[ident.cert, pki.ca.cert])
    finally:
        key.close()
    report = validate_document(signed, policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    # The same token key through the ``sekap-sign sign`` verb.
    from signatures import cli

    tmp = Path(os.environ["SOFTHSM2_CONF"]).parent
    (tmp / "in.xml").write_bytes(BASE)
    (tmp / "cert.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (ident.cert, pki.ca.cert))
    )
    os.environ["SEKAP_TEST_PIN"] = "1234"
    try:
        code = cli.main(
            [
                "sign", str(tmp / "in.xml"), "-o", str(tmp / "out.xml"),
                "--pkcs11-module", SOFTHSM, "--token-label", softhsm_token, "--label", "signer",
                "--pin-env", "SEKAP_TEST_PIN", "--cert", str(tmp / "cert.pem"),
            ]
        )  # fmt: skip
    finally:
        del os.environ["SEKAP_TEST_PIN"]
    assert code == 0
    cli_report = validate_document((tmp / "out.xml").read_bytes(), policy=policy, env=env)
    assert cli_report.indication == "TOTAL_PASSED"
