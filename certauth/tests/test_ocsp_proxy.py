"""Pre-signed OCSP through Debian's nginx running deploy/nginx-ocsp.conf in front of Django:
GETs are answered from the files, POSTs of the same requests by the njs script deploy/ocsp.js
from the same files, the rest (nonces, SHA-256, misses) by Django; checked with ``openssl ocsp``."""

from __future__ import annotations

import base64
import os
import subprocess
import urllib.error
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
    reason="nginx or its njs module is not installed (make system-deps)",
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


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_for_an_unknown_certificate_reaches_django(live_ca, proxy, method):
    request = ocsp_presign.request_der(ca=live_ca, serial_hex="1234567")
    if method == "GET":
        data, headers = _fetch(f"{proxy}/pki/ocsp/{base64.b64encode(request).decode()}")
        assert "ETag" not in headers
    else:
        data, _headers = _fetch(f"{proxy}/pki/ocsp", request)
    parsed = x509_ocsp.load_der_ocsp_response(data)
    assert parsed.certificate_status == x509_ocsp.OCSPCertStatus.UNKNOWN


@pytest.mark.django_db
def test_posts_are_answered_by_njs_from_the_presigned_files(
    ca,
    settings,
    tmp_path,
    operator,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """No Django behind this proxy: what it answers came from the files; the rest fails (502)."""
    root = tmp_path / "ocsp"
    settings.CERTAUTH_OCSP_PRESIGNED_DIR = str(root)
    server = nginx_harness.Nginx(
        root=root, upstream_port=nginx_harness.free_port(), work=tmp_path / "nginx"
    )
    url = f"http://127.0.0.1:{server.port}/pki/ocsp"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            certificate = _issue(ca)
        path = ocsp_presign.response_path(ca=ca, serial_hex=certificate.serial_hex)
        request = _request(ca, certificate)  # what a client sends, built from the certificate
        data, headers = _fetch(url, request)
        assert data == path.read_bytes()
        assert headers["Content-Type"] == "application/ocsp-response"
        (tmp_path / "post.der").write_bytes(data)
        assert openssl_status(tmp_path, ca, certificate, tmp_path / "post.der") == "good"

        with django_capture_on_commit_callbacks(execute=True):
            certificate_revoke(certificate=certificate, reason="key_compromise", actor=operator)
        revoked, _headers = _fetch(url, request)
        assert revoked != data and revoked == path.read_bytes()
        (tmp_path / "revoked.der").write_bytes(revoked)
        assert openssl_status(tmp_path, ca, certificate, tmp_path / "revoked.der") == "revoked"

        unknown = ocsp_presign.request_der(ca=ca, serial_hex="1234567")
        for body in (
            _request(ca, certificate, nonce=b"0123456789abcdef"),  # must be echoed: Django
            _request(ca, certificate, algorithm=hashes.SHA256()),
            unknown,  # no file
            request + b"\0",  # not the DER of the request any more
        ):
            with pytest.raises(urllib.error.HTTPError) as refused:
                _fetch(url, body)
            assert refused.value.code == 502  # passed on to the (absent) responder
    finally:
        server.stop()
