"""openssl and pkilint accept what the CA publishes (run with the real CLI)."""

from __future__ import annotations

import base64
import contextlib
import io
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from certauth.models import Certificate, CertificateAuthority, Crl, Profile, ServiceIdentity
from certauth.selectors import latest_crl
from certauth.services.crl import crl_publish
from certauth.services.issuance import (
    certificate_issue,
    citizen_subject,
    clerk_subject,
    seal_subject,
)
from certauth.services.revocation import certificate_release_hold, certificate_revoke
from certauth.tests import fixtures as certauth_fixtures

pytestmark = [pytest.mark.interop]

# certauth's fixtures, made visible to pytest in this module
pki_dir = certauth_fixtures.pki_dir
ca = certauth_fixtures.ca


def pem(der: bytes, label: str = "CERTIFICATE") -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"-----BEGIN "
        + label.encode()
        + b"-----\n"
        + b"\n".join(lines)
        + b"\n-----END "
        + label.encode()
        + b"-----\n"
    )


def write_pem(path: Path, der: bytes, label: str = "CERTIFICATE") -> str:
    path.write_bytes(pem(der, label))
    return str(path)


def issue(ca_, profile_slug: str = "citizen-signing", subject=None) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    return certificate_issue(
        ca=ca_,
        profile=Profile.objects.get(slug=profile_slug),
        public_key=key.public_key(),
        subject=subject
        or citizen_subject(given_name="Zofia", surname="Kowalska", pesel="02070803628"),
        actor=None,
    )


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import Permission

    from sekap.accounts.models import User

    user = User.objects.create_user("operator@example.com", kind="staff")
    # a CPD administrator: these certificates were issued without a registration office
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["operate_ra", "administer_ca"])
    )
    return User.objects.get(pk=user.pk)


def openssl_verify(tmp_path: Path, ca_: CertificateAuthority, leaf: Certificate, *extra: str):
    root = ca_.parent
    files = {
        "root": write_pem(tmp_path / "root.pem", bytes(root.certificate_der)),
        "issuing": write_pem(tmp_path / "issuing.pem", bytes(ca_.certificate_der)),
        "leaf": write_pem(tmp_path / "leaf.pem", bytes(leaf.der)),
        "root_crl": write_pem(tmp_path / "root.crl", bytes(latest_crl(ca=root).der), "X509 CRL"),
        "crl": write_pem(tmp_path / "issuing.crl", bytes(latest_crl(ca=ca_).der), "X509 CRL"),
        "delta": write_pem(
            tmp_path / "issuing-delta.crl", bytes(latest_crl(ca=ca_, delta=True).der), "X509 CRL"
        ),
    }
    command = [
        "openssl",
        "verify",
        "-CAfile",
        files["root"],
        "-untrusted",
        files["issuing"],
        "-crl_check_all",
        "-CRLfile",
        files["root_crl"],
        "-CRLfile",
        files["crl"],
        *extra,
        files["leaf"],
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=30), files


def test_openssl_verify_accepts_then_rejects_after_revocation(
    ca, operator, tmp_path, django_capture_on_commit_callbacks
):
    leaf = issue(ca)
    crl_publish(ca=ca)
    result, _ = openssl_verify(tmp_path, ca, leaf)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(": OK")

    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=leaf, reason="key_compromise", actor=operator)
    full = latest_crl(ca=ca)
    crl = x509.load_der_x509_crl(bytes(full.der))
    entry = crl.get_revoked_certificate_by_serial_number(int(leaf.serial_hex, 16))
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    result, _ = openssl_verify(tmp_path, ca, leaf)
    assert result.returncode != 0
    assert "certificate revoked" in (result.stdout + result.stderr)


def test_hold_appears_in_delta_and_release_removes_it(
    ca, operator, tmp_path, django_capture_on_commit_callbacks
):
    leaf = issue(ca)
    crl_publish(ca=ca)  # the base already exists: this delta is empty
    assert latest_crl(ca=ca, delta=True).entries == 0
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=leaf, reason="certificate_hold", actor=operator)
    delta = x509.load_der_x509_crl(bytes(latest_crl(ca=ca, delta=True).der))
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator) is not None
    entry = delta.get_revoked_certificate_by_serial_number(int(leaf.serial_hex, 16))
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.certificate_hold
    )
    # openssl with -use_deltas sees the hold through the delta CRL
    result, _files = openssl_verify(
        tmp_path, ca, leaf, "-use_deltas", "-CRLfile", str(tmp_path / "issuing-delta.crl")
    )
    assert "certificate revoked" in result.stdout + result.stderr

    with django_capture_on_commit_callbacks(execute=True):
        certificate_release_hold(certificate=leaf, actor=operator)
    full = x509.load_der_x509_crl(bytes(latest_crl(ca=ca).der))
    assert full.get_revoked_certificate_by_serial_number(int(leaf.serial_hex, 16)) is None
    delta = x509.load_der_x509_crl(bytes(latest_crl(ca=ca, delta=True).der))
    removed = delta.get_revoked_certificate_by_serial_number(int(leaf.serial_hex, 16))
    assert removed.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.remove_from_crl
    )
    result, _ = openssl_verify(tmp_path, ca, leaf)
    assert result.returncode == 0, result.stdout + result.stderr
    numbers = list(Crl.objects.filter(ca=ca).order_by("pk").values_list("number", flat=True))
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    # the CRLs check out with the issuer's key
    issuer = x509.load_der_x509_certificate(bytes(ca.certificate_der))
    assert full.is_signature_valid(issuer.public_key())
    assert delta.is_signature_valid(issuer.public_key())


def _pkilint(path: str) -> tuple[int, str]:
    from pkilint.bin import lint_pkix_cert

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = lint_pkix_cert.main(["lint", "-s", "ERROR", path])
    return code, out.getvalue()


def test_pkilint_reports_no_error_for_each_profile(ca, tmp_path):
    issued = {
        "citizen-signing": issue(ca),
        "clerk-signing": issue(
            ca,
            "clerk-signing",
            clerk_subject(
                given_name="Jan", surname="Zieliński", office_name="Urząd Miasta Gliwice"
            ),
        ),
        "office-seal": issue(
            ca,
            "office-seal",
            seal_subject(office_name="Urząd Miasta Gliwice", office_terc="2466011"),
        ),
    }
    for kind in ("ocsp", "tsa"):
        issued[kind] = ServiceIdentity.objects.get(kind=kind).certificate
    issued["issuing-ca"] = Certificate.objects.get(is_ca=True)
    for name, certificate in issued.items():
        path = write_pem(tmp_path / f"{name}.pem", bytes(certificate.der))
        code, report = _pkilint(path)
        assert code == 0, f"{name}: {report}"
    root_path = write_pem(tmp_path / "root.pem", bytes(ca.parent.certificate_der))
    code, report = _pkilint(root_path)
    assert code == 0, f"root: {report}"


def _lint(module: str, args: list[str]) -> tuple[int, str]:
    import importlib

    main = importlib.import_module(f"pkilint.bin.{module}").main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    return code, out.getvalue()


def test_pkilint_accepts_crls_and_ocsp_responses(
    ca, operator, tmp_path, django_capture_on_commit_callbacks
):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp as x509_ocsp

    from certauth import ocsp

    revoked, held = issue(ca), issue(ca)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=revoked, reason="key_compromise", actor=operator)
        certificate_revoke(certificate=held, reason="certificate_hold", actor=operator)
    for name, record, kind in (
        ("full", latest_crl(ca=ca), "CRL"),
        ("delta", latest_crl(ca=ca, delta=True), "CRL"),
        ("root", latest_crl(ca=ca.parent), "ARL"),
    ):
        assert name == "root" or record.entries == 2
        path = tmp_path / f"{name}.crl"
        path.write_bytes(bytes(record.der))
        code, report = _lint(
            "lint_crl", ["lint", "-t", kind, "-p", "PKIX", "-s", "ERROR", str(path)]
        )
        assert code == 0, f"{name}: {report}"
    request = (
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_der_x509_certificate(bytes(revoked.der)),
            x509.load_der_x509_certificate(bytes(ca.certificate_der)),
            hashes.SHA256(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    path = tmp_path / "response.der"
    path.write_bytes(ocsp.respond(request))
    code, report = _lint("lint_ocsp_response", ["lint", "-s", "ERROR", str(path)])
    assert code == 0, report
