"""``sekap-sign``: the holder's command-line tool. ``keygen`` makes a key and a PKCS#10 request.

The key goes to an encrypted PKCS#8 file (passphrase from an environment variable or a prompt)
or is generated inside a PKCS#11 token and never leaves it. The request carries only the key;
SEKAP takes the subject from the verified account, so ``--name`` is informative.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

KEY_TYPES = ("EC-P256", "EC-P384", "RSA-2048", "RSA-3072", "RSA-4096")


def _subject(name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def _passphrase(args: argparse.Namespace) -> bytes:
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env, "")
        if not value:
            raise SystemExit(f"environment variable {args.passphrase_env} is empty")
        return value.encode()
    first = getpass.getpass("Passphrase for the new key: ")
    if len(first) < 8 or first != getpass.getpass("Repeat the passphrase: "):
        raise SystemExit("passphrases differ or are shorter than 8 characters")
    return first.encode()


def _keygen_file(args: argparse.Namespace) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from certauth.keys import _generate_soft, hash_for

    key_path = Path(args.key)
    if key_path.exists():
        raise SystemExit(f"{key_path} exists; not overwriting a key")
    passphrase = _passphrase(args)
    key = _generate_soft(args.key_type)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_subject(args.name))
        .sign(key, hash_for(args.key_type))
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def _keygen_token(args: argparse.Namespace) -> bytes:
    from asn1crypto import csr as asn1_csr
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem as asn1_pem
    from cryptography.hazmat.primitives import serialization

    from certauth import keys

    os.environ["CA_PKCS11_MODULE"] = args.pkcs11_module
    os.environ["CA_PKCS11_TOKEN_LABEL"] = args.token_label
    pin = os.environ.get(args.pin_env, "") if args.pin_env else getpass.getpass("Token PIN: ")
    os.environ["CA_PKCS11_PIN"] = pin
    signer = keys.generate_key(name=args.label, key_type=args.key_type, backend="pkcs11")
    spki = signer.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": _asn1_name(args.name),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
            "attributes": [],
        }
    )
    digest = signer.hash_algorithm.name
    algorithm = f"{digest}_ecdsa" if signer.key_type.startswith("EC-") else f"{digest}_rsa"
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": algorithm},
            "signature": signer.sign(info.dump()),
        }
    )
    return asn1_pem.armor("CERTIFICATE REQUEST", request.dump())


def _asn1_name(name: str):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Name.build({"common_name": name})


def keygen(args: argparse.Namespace) -> int:
    if args.key_type not in KEY_TYPES:
        raise SystemExit("unsupported key type")
    csr = _keygen_token(args) if args.pkcs11_module else _keygen_file(args)
    Path(args.csr).write_bytes(csr)
    where = f"token {args.token_label!r}, label {args.label!r}" if args.pkcs11_module else args.key
    print(f"key: {where}\nrequest: {args.csr}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sekap-sign", description="SEKAP holder tools")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("keygen", help="create a key and a certificate request (CSR)")
    gen.add_argument("--key-type", default="EC-P256", choices=KEY_TYPES)
    gen.add_argument("--key", default="sekap-key.pem", help="encrypted PKCS#8 output file")
    gen.add_argument("--csr", default="sekap-request.csr", help="PEM request output file")
    gen.add_argument("--name", default="SEKAP", help="common name put in the request")
    gen.add_argument("--passphrase-env", help="read the key passphrase from this variable")
    gen.add_argument("--pkcs11-module", help="generate the key in a PKCS#11 token (module path)")
    gen.add_argument("--token-label", default="SEKAP")
    gen.add_argument("--label", default="sekap-signing-key", help="key label in the token")
    gen.add_argument("--pin-env", help="read the token PIN from this variable")
    gen.set_defaults(handler=keygen)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
