"""Key pairs generated on first use into ``var/nodelogin/`` (never committed).

Production names its own files (NODELOGIN_SP_KEY_FILE, NODELOGIN_SP_CERT_FILE), registered with
the node operator; the embedded default and tests generate a self-signed pair once: EC P-256 as
the national node uses (signatures ECDSA-SHA256, encryption by ECDH-ES), or RSA-3072 with
``NODELOGIN_KEY_ALGORITHM=rsa``. What a key signs with follows from the key itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import functools
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from saml2.xmldsig import SIG_ECDSA_SHA256, SIG_RSA_SHA256

ALGORITHMS = ("ec", "rsa")


def ensure_key_pair(
    *, key_file: Path, cert_file: Path, common_name: str, algorithm: str = "ec"
) -> tuple[Path, Path]:
    """Create a key (``ec``: P-256, ``rsa``: 3072 bits) and a self-signed certificate unless
    both files exist (under a file lock: processes starting together must not write two
    different pairs)."""
    if key_file.exists() and cert_file.exists():
        return key_file, cert_file
    with open(key_file.parent / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if key_file.exists() and cert_file.exists():
                return key_file, cert_file
            _generate(
                key_file=key_file, cert_file=cert_file, common_name=common_name, algorithm=algorithm
            )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return key_file, cert_file


def _generate(*, key_file: Path, cert_file: Path, common_name: str, algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"NODELOGIN_KEY_ALGORITHM must be one of {ALGORITHMS}, not {algorithm!r}")
    key = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ec"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SEKAP"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = key_file.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_pem)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    partial.replace(key_file)  # the key last: a half-written pair is regenerated next time


def certificate_base64(cert_file: Path) -> str:
    """The certificate's DER in base64 without PEM armour (as metadata's X509Certificate)."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


@functools.lru_cache(maxsize=16)
def _private_key(path: str, mtime_ns: int):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


def private_key(key_file: Path) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    """The PEM private key in ``key_file`` (parsed once per file version)."""
    key = _private_key(str(key_file), key_file.stat().st_mtime_ns)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{key_file}: only EC and RSA keys are supported.")
    return key


def is_ec(key_file: Path) -> bool:
    return isinstance(private_key(key_file), ec.EllipticCurvePrivateKey)


def signature_algorithm(key_file: Path) -> str:
    """The XML signature algorithm this key signs with: ECDSA-SHA256 or RSA-SHA256."""
    return SIG_ECDSA_SHA256 if is_ec(key_file) else SIG_RSA_SHA256
