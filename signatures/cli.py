"""``sekap-sign sign|verify``: sign an XML document (PKCS#12, PEM or PKCS#11 key) or verify one.

Wiring for the project's ``sekap-sign`` entry point (owned by the lead): call
``register(subparsers)`` to add the ``sign`` and ``verify`` verbs to an argparse parser, or run
``main(argv)`` on its own. Exit codes of ``verify``: 0 passed, 1 failed, 2 indeterminate.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cryptography import x509

from signatures.report import Indication


def _certs(path: str) -> list[x509.Certificate]:
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _secret(env_name: str | None) -> bytes | None:
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if value is None:
        raise SystemExit(f"Environment variable {env_name} is not set.")
    return value.encode()


def sign_command(args: argparse.Namespace) -> int:
    from signatures import signer
    from signatures.pkix import UrllibFetcher

    if args.pkcs12:
        key, chain = signer.load_pkcs12(Path(args.pkcs12).read_bytes(), _secret(args.password_env))
    elif args.key:
        if not args.cert:
            raise SystemExit("--cert is required with --key.")
        key, chain = signer.load_pem(
            Path(args.key).read_bytes(), Path(args.cert).read_bytes(), _secret(args.password_env)
        )
    elif args.pkcs11_module:
        if not (args.cert and args.token and args.key_label):
            raise SystemExit("--cert, --token and --key-label are required with --pkcs11-module.")
        pin = _secret(args.pin_env)
        key = signer.Pkcs11Key(
            module=args.pkcs11_module,
            token_label=args.token,
            pin=(pin or b"").decode(),
            key_label=args.key_label,
        )
        chain = _certs(args.cert)
    else:
        raise SystemExit("Choose a key: --pkcs12, --key/--cert or --pkcs11-module.")
    for extra in args.chain or []:
        chain += _certs(extra)
    tsa_url = args.tsa_url or os.environ.get("SIGNATURES_TSA_URL")
    try:
        signed = signer.sign_enveloped(
            Path(args.input).read_bytes(),
            key=key,
            cert_chain=chain,
            level=args.level,
            tsa_url=tsa_url,
            fetcher=UrllibFetcher(),
        )
    finally:
        if isinstance(key, signer.Pkcs11Key):
            key.close()
    if args.output == "-":
        sys.stdout.buffer.write(signed)
    else:
        Path(args.output).write_bytes(signed)
    return 0


def exit_code(indication: str) -> int:
    return {Indication.TOTAL_PASSED: 0, Indication.TOTAL_FAILED: 1}.get(indication, 2)


def verify_command(args: argparse.Namespace) -> int:
    from signatures.validator import ValidationPolicy, validate_document

    anchors: list[bytes] = []
    for path in args.trust_anchor or []:
        anchors += [c.public_bytes(encoding=_der()) for c in _certs(path)]
    data = Path(args.input).read_bytes()
    if anchors:
        report = validate_document(data, policy=ValidationPolicy(trust_anchors=tuple(anchors)))
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
        django.setup()
        from signatures import services

        report = services.validate(data)
    if args.json:
        sys.stdout.write(report.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return exit_code(report.indication)


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def render_text(report) -> str:
    lines = [f"{report.indication}{' / ' + report.sub_indication if report.sub_indication else ''}"]
    lines += [f"  error: {e.message}" for e in report.errors]
    for index, sig in enumerate(report.signatures, 1):
        head = f"signature {index}: {sig.indication}"
        if sig.sub_indication:
            head += f" / {sig.sub_indication}"
        lines.append(head)
        if sig.signed_by:
            lines.append(f"  signed by: {sig.signed_by.subject}")
        if sig.trusted_profile:
            tp = sig.trusted_profile
            lines.append(f"  SEKAP personal signature: {tp.given_name} {tp.surname} ({tp.pesel})")
        lines.append(f"  claimed signing time: {sig.claimed_signing_time}")
        lines.append(f"  best signature time: {sig.best_signature_time}")
        lines += [f"  error: {e.message}" for e in sig.errors]
        lines += [f"  warning: {w.message}" for w in sig.warnings]
    return "\n".join(lines) + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    sign = subparsers.add_parser(
        "sign", help="Sign an XML document with an enveloped XAdES signature."
    )
    sign.add_argument("input")
    sign.add_argument("-o", "--output", required=True, help="Output file or '-' for stdout.")
    sign.add_argument("--level", choices=["B-B", "B-T"], default="B-B")
    sign.add_argument("--tsa-url", help="RFC 3161 TSA for B-T (default: $SIGNATURES_TSA_URL).")
    sign.add_argument("--pkcs12", help="PKCS#12 file with the key and certificate chain.")
    sign.add_argument("--key", help="PEM private key.")
    sign.add_argument("--cert", help="PEM certificate (the signer's first).")
    sign.add_argument("--chain", action="append", help="Extra CA certificates (PEM or DER).")
    sign.add_argument("--password-env", help="Environment variable holding the key password.")
    sign.add_argument(
        "--pkcs11-module", help="PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so."
    )
    sign.add_argument("--token", "--token-label", dest="token", help="PKCS#11 token label.")
    sign.add_argument("--key-label", "--label", dest="key_label", help="PKCS#11 key label.")
    sign.add_argument("--pin-env", help="Environment variable holding the token PIN.")
    sign.set_defaults(func=sign_command)
    verify = subparsers.add_parser(
        "verify", help="Validate the XAdES signatures of an XML document."
    )
    verify.add_argument("input")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--trust-anchor",
        action="append",
        help="Trusted root (PEM or DER); default: the SEKAP trust store.",
    )
    verify.set_defaults(func=verify_command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sekap-sign")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
