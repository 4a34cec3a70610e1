"""openssl ocsp and openssl ts against a live test server."""

from __future__ import annotations

import hashlib
import subprocess
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from certauth.models import Certificate, ServiceIdentity
from certauth.services.revocation import certificate_revoke
from certauth.tests import fixtures as certauth_fixtures
from tests.interop.test_certauth_openssl import issue, write_pem

pytestmark = [pytest.mark.interop]

pki_dir = certauth_fixtures.pki_dir
live_ca = certauth_fixtures.live_ca


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


@pytest.fixture
def operator(transactional_db):
    from django.contrib.auth.models import Permission

    from sekap.accounts.models import User

    user = User.objects.create_user("op@example.com", kind="staff")
    # a CPD administrator: these certificates were issued without a registration office
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["operate_ra", "administer_ca"])
    )
    return User.objects.get(pk=user.pk)


def test_openssl_ocsp_good_then_revoked(live_server, live_ca, operator, tmp_path: Path):
    leaf = issue(live_ca)
    root = write_pem(tmp_path / "root.pem", bytes(live_ca.parent.certificate_der))
    issuer = write_pem(tmp_path / "issuing.pem", bytes(live_ca.certificate_der))
    cert = write_pem(tmp_path / "leaf.pem", bytes(leaf.der))
    url = f"{live_server.url}/pki/ocsp"
    base = [
        "openssl",
        "ocsp",
        "-issuer",
        issuer,
        "-cert",
        cert,
        "-url",
        url,
        "-CAfile",
        root,
        "-verify_other",
        issuer,
        "-resp_text",
    ]
    result = run(*base)
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr
    assert f"{cert}: good" in result.stdout
    assert "Next Update:" in result.stdout
    assert "OCSP Nonce:" in result.stdout  # openssl sends a nonce by default; we echo it

    certificate_revoke(certificate=leaf, reason="superseded", actor=operator)
    result = run(*base)
    assert "Response verify OK" in result.stderr
    assert f"{cert}: revoked" in result.stdout
    assert "Reason: superseded" in result.stdout
    assert "Revocation Time:" in result.stdout

    # GET (RFC 6960 A.1) without a nonce, served from the pre-signed cache after the first
    req = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_der_x509_certificate(bytes(leaf.der)),
            x509.load_der_x509_certificate(bytes(live_ca.certificate_der)),
            hashes.SHA1(),  # noqa: S303 - the CertID hash relying parties send
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    import base64
    import urllib.parse

    encoded = urllib.parse.quote(base64.b64encode(req).decode(), safe="")
    first = urllib.request.urlopen(f"{url}/{encoded}", timeout=10).read()  # noqa: S310
    second = urllib.request.urlopen(f"{url}/{encoded}", timeout=10).read()  # noqa: S310
    assert first == second
    assert bytes(Certificate.objects.get(pk=leaf.pk).ocsp_response) == first
    parsed = ocsp.load_der_ocsp_response(first)
    assert parsed.certificate_status == ocsp.OCSPCertStatus.REVOKED
    responder = ServiceIdentity.objects.get(kind="ocsp").certificate
    responder_cert = x509.load_der_x509_certificate(bytes(responder.der))
    assert responder_cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert (
        parsed.responder_key_hash
        == responder_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )


def test_openssl_ts_verify_accepts_and_rejects_tampered(live_server, live_ca, tmp_path: Path):
    data = tmp_path / "document.xml"
    data.write_bytes(b"<Dokument>wniosek o wydanie zaswiadczenia</Dokument>")
    query = tmp_path / "query.tsq"
    result = run(
        "openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)
    )
    assert result.returncode == 0, result.stderr
    request = urllib.request.Request(  # noqa: S310
        f"{live_server.url}/pki/tsa",
        data=query.read_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Type"] == "application/timestamp-reply"
        reply = tmp_path / "reply.tsr"
        reply.write_bytes(response.read())
    root = write_pem(tmp_path / "root.pem", bytes(live_ca.parent.certificate_der))
    issuing = write_pem(tmp_path / "issuing.pem", bytes(live_ca.certificate_der))
    text = run("openssl", "ts", "-reply", "-in", str(reply), "-text")
    assert "Status: Granted." in text.stdout
    assert "Policy OID: 1.3.6.1.4.1.32473.1.2.1" in text.stdout
    assert (
        hashlib.sha256(data.read_bytes()).hexdigest()[:8].upper()
        in text.stdout.replace(" ", "").replace("-", "").upper()
    )
    ok = run(
        "openssl",
        "ts",
        "-verify",
        "-in",
        str(reply),
        "-queryfile",
        str(query),
        "-CAfile",
        root,
        "-untrusted",
        issuing,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Verification: OK" in ok.stdout
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(b"<Dokument>wniosek o wydanie zaswiadczenia!</Dokument>")
    bad = run(
        "openssl",
        "ts",
        "-verify",
        "-in",
        str(reply),
        "-data",
        str(tampered),
        "-CAfile",
        root,
        "-untrusted",
        issuing,
    )
    assert bad.returncode != 0
    assert "message imprint mismatch" in (bad.stdout + bad.stderr)
