from __future__ import annotations

import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certauth import keys
from tests.support import require_softhsm

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def _run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certauth.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_keygen_file_writes_encrypted_key_and_valid_csr(tmp_path):
    key, csr = tmp_path / "key.pem", tmp_path / "req.csr"
    result = _run(
        "keygen",
        "--key",
        str(key),
        "--csr",
        str(csr),
        "--passphrase-env",
        "PW",
        "--name",
        "Anna Nowak",
        env={"PW": "long enough secret"},
    )
    assert result.returncode == 0, result.stderr
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    private = serialization.load_pem_private_key(key.read_bytes(), b"long enough secret")
    request = x509.load_pem_x509_csr(csr.read_bytes())
    assert request.is_signature_valid
    assert request.public_key() == private.public_key()
    ok = subprocess.run(
        ["openssl", "req", "-in", str(csr), "-verify", "-noout"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "verify OK" in ok.stdout + ok.stderr
    again = _run(
        "keygen",
        "--key",
        str(key),
        "--csr",
        str(csr),
        "--passphrase-env",
        "PW",
        env={"PW": "long enough secret"},
    )
    assert again.returncode != 0  # never overwrites a key


def test_keygen_in_softhsm_token(tmp_path):
    require_softhsm()
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    env = {"SOFTHSM2_CONF": str(conf), "PIN": "1234"}
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "HOLDER",
            "--so-pin",
            "5678",
            "--pin",
            "1234",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, **env},
        timeout=30,
    )
    csr = tmp_path / "req.csr"
    result = _run(
        "keygen",
        "--pkcs11-module",
        MODULE,
        "--token-label",
        "HOLDER",
        "--pin-env",
        "PIN",
        "--key-type",
        "EC-P384",
        "--csr",
        str(csr),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    request = x509.load_pem_x509_csr(csr.read_bytes())
    assert request.is_signature_valid
    assert keys.key_type_of(request.public_key()) == "EC-P384"
    assert list(tmp_path.glob("*.pem")) == []
