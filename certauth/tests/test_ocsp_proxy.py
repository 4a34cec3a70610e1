"""Pre-signed OCSP through Debian's nginx running deploy/nginx-ocsp.conf in front of Django:
GETs are answered from the files, POSTs and misses by Django; checked with ``openssl ocsp``."""

from __future__ import annotations

import base64
import os
import subprocess
import urllib.parse
import urllib.request
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as x509_ocsp

from certauth import nginx_harness
from certauth.models import ServiceIdentity
from certauth.services import ocsp_presign
from certauth.services.revocation import certificate_revoke
from certauth.tests.test_ocsp_presign import _pem, openssl_status
from certauth.tests.test_responders import _issue, _request, operator  # noqa: F401

pytestmark = pytest.mark.skipif(
    not nginx_harness.available() and not os.environ.get("REQUIRE_SERVICES"),
    reason="nginx is not installed (make system-deps)",
)


@pytest.fixture
def proxy(live_ca, live_server, settings, tmp_path):
    root = tmp_path / "ocsp"
    settings.CERTAUTH_OCSP_PRESIGNED_DIR = str(root)
    server = nginx_harness.Nginx(
        root=root, upstream_port=urlparse(live_server.url).port, work=tmp_path / "nginx"
    )
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


GOOD = x509_ocsp.OCSPCertStatus.GOOD


def _fetch(url: str, body: bytes | None = None) -> tuple[bytes, dict]:
    request = urllib.request.Request(  # noqa: S310 - the local proxy
        url, data=body, headers={"Content-Type": "application/ocsp-request"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
        return response.read(), dict(response.headers)


def test_gets_are_served_from_presigned_files_and_the_rest_by_django(
    live_ca,
    proxy,
    tmp_path,
    operator,  # noqa: F811
):
    ca = live_ca
    certificate = _issue(ca)  # committed: the on-commit task wrote the file
    key = base64.b64encode(
        ocsp_presign.request_der(ca=ca, serial_hex=certificate.serial_hex)
    ).decode()
    for encoded in (key, urllib.parse.quote(key, safe="")):  # raw and percent-encoded paths
        data, headers = _fetch(f"{proxy}/pki/ocsp/{encoded}")
        assert "ETag" in headers  # a file nginx served, not a proxied answer
        assert headers["Content-Type"] == "application/ocsp-response"
        (tmp_path / "get.der").write_bytes(data)
        assert openssl_status(tmp_path, ca, certificate, tmp_path / "get.der") == "good"

    # POST (openssl's own client), a nonce, a SHA-256 CertID: Django answers through the proxy.
    responder = ServiceIdentity.objects.get(kind="ocsp", ca=ca).certificate
    result = subprocess.run(
        [
            "openssl",
            "ocsp",
            "-url",
            f"{proxy}/pki/ocsp",
            "-issuer",
            str(_pem(tmp_path / "issuer.pem", bytes(ca.certificate_der))),
            "-cert",
            str(_pem(tmp_path / "cert.pem", bytes(certificate.der))),
            "-VAfile",
            str(_pem(tmp_path / "responder.pem", bytes(responder.der))),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Response verify OK" in result.stderr + result.stdout
    assert f"{tmp_path / 'cert.pem'}: good" in result.stdout
    sha256 = _request(ca, certificate, algorithm=hashes.SHA256())
    data, headers = _fetch(f"{proxy}/pki/ocsp/{base64.b64encode(sha256).decode()}")
    assert "ETag" not in headers
    assert x509_ocsp.load_der_ocsp_response(data).certificate_status == GOOD

    certificate_revoke(certificate=certificate, reason="key_compromise", actor=operator)
    data, headers = _fetch(f"{proxy}/pki/ocsp/{key}")
    (tmp_path / "revoked.der").write_bytes(data)
    assert openssl_status(tmp_path, ca, certificate, tmp_path / "revoked.der") == "revoked"


def test_a_get_for_an_unknown_certificate_reaches_django(live_ca, proxy):
    request = ocsp_presign.request_der(ca=live_ca, serial_hex="1234567")
    data, headers = _fetch(f"{proxy}/pki/ocsp/{base64.b64encode(request).decode()}")
    assert "ETag" not in headers
    parsed = x509_ocsp.load_der_ocsp_response(data)
    assert parsed.certificate_status == x509_ocsp.OCSPCertStatus.UNKNOWN
