"""Pre-signed OCSP responses: written on issuance, on status change and by beat, keyed by the
RFC 5019 GET request that real clients send, and verified with ``openssl ocsp``."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings as django_settings
from django.utils import timezone

from certauth import tasks
from certauth.models import Certificate, ServiceIdentity
from certauth.services import ocsp_presign
from certauth.services.revocation import certificate_release_hold, certificate_revoke
from certauth.tests.test_responders import _issue, operator  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def out_dir(settings, tmp_path):
    settings.CERTAUTH_OCSP_PRESIGNED_DIR = str(tmp_path / "ocsp")
    return tmp_path / "ocsp"


def _pem(path: Path, der: bytes) -> Path:
    path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
    return path


def openssl_status(tmp_path: Path, ca, certificate, response: Path) -> str:
    """``openssl ocsp -respin``: the response's signature checked against the responder."""
    responder = ServiceIdentity.objects.get(kind="ocsp", ca=ca).certificate
    result = subprocess.run(
        [
            "openssl",
            "ocsp",
            "-respin",
            str(response),
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
    return result.stdout.split(f"{tmp_path / 'cert.pem'}: ")[1].split()[0]


def test_file_is_keyed_by_the_get_request_openssl_sends(ca, out_dir, tmp_path):
    certificate = _issue(ca)
    request_file = tmp_path / "req.der"
    subprocess.run(
        [
            "openssl",
            "ocsp",
            "-issuer",
            str(_pem(tmp_path / "issuer.pem", bytes(ca.certificate_der))),
            "-cert",
            str(_pem(tmp_path / "cert.pem", bytes(certificate.der))),
            "-no_nonce",
            "-reqout",
            str(request_file),
        ],
        capture_output=True,
        check=True,
    )
    key = base64.b64encode(request_file.read_bytes()).decode()
    assert ocsp_presign.response_path(ca=ca, serial_hex=certificate.serial_hex) == (
        out_dir / "pki" / "ocsp" / key
    )


def test_issuance_and_status_changes_publish_fresh_responses(
    ca,
    out_dir,
    tmp_path,
    operator,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = _issue(ca)
    path = ocsp_presign.response_path(ca=ca, serial_hex=certificate.serial_hex)
    assert openssl_status(tmp_path, ca, certificate, path) == "good"
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, reason="certificate_hold", actor=operator)
    assert openssl_status(tmp_path, ca, certificate, path) == "revoked"
    row = Certificate.objects.get(pk=certificate.pk)
    assert bytes(row.ocsp_response) == path.read_bytes()  # Django serves the same bytes
    with django_capture_on_commit_callbacks(execute=True):
        certificate_release_hold(certificate=certificate, actor=operator)
    assert openssl_status(tmp_path, ca, certificate, path) == "good"


def test_status_change_withdraws_the_old_file_before_resigning(
    ca,
    out_dir,
    operator,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    certificate = _issue(ca)
    tasks.presign_ocsp(certificate_ids=[certificate.pk])
    path = ocsp_presign.response_path(ca=ca, serial_hex=certificate.serial_hex)
    assert path.exists()
    # The worker is down: the stale "good" file must still disappear at commit.
    monkeypatch.setattr(ocsp_presign, "dispatch_on_commit", lambda **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, reason="key_compromise", actor=operator)
    assert not path.exists()


def test_beat_job_is_idempotent_and_refreshes_due_responses(ca, out_dir, tmp_path):
    certificates = [_issue(ca) for _ in range(3)]
    assert django_settings.CELERY_BEAT_SCHEDULE["certauth-refresh-ocsp"]["task"] == (
        "certauth.tasks.refresh_ocsp"
    )
    assert tasks.refresh_ocsp() >= 3  # the CA's own and service certificates too
    assert tasks.refresh_ocsp() == 0  # nothing due: nothing signed again
    first = certificates[0]
    Certificate.objects.filter(pk=first.pk).update(ocsp_refresh_after=1)
    path = ocsp_presign.response_path(ca=ca, serial_hex=first.serial_hex)
    assert tasks.refresh_ocsp() == 1
    assert openssl_status(tmp_path, ca, first, path) == "good"
    assert Certificate.objects.get(pk=first.pk).ocsp_refresh_after > 1


def test_an_expired_certificates_file_is_withdrawn_once(ca, out_dir):
    expired, current = _issue(ca), _issue(ca)
    tasks.refresh_ocsp()
    expired_path = ocsp_presign.response_path(ca=ca, serial_hex=expired.serial_hex)
    current_path = ocsp_presign.response_path(ca=ca, serial_hex=current.serial_hex)
    assert expired_path.is_file() and current_path.is_file()
    Certificate.objects.filter(pk=expired.pk).update(
        not_after=timezone.now() - dt.timedelta(seconds=1)
    )
    tasks.refresh_ocsp()
    assert not expired_path.exists()  # the proxy now asks Django, which knows it expired
    assert current_path.is_file()
    assert Certificate.objects.get(pk=expired.pk).ocsp_refresh_after is None
    assert ocsp_presign.ocsp_withdraw_expired() == 0  # once


def test_resign_after_a_concurrent_status_change_never_leaves_a_stale_file(
    ca,
    out_dir,
    tmp_path,
    operator,  # noqa: F811
    monkeypatch,
):
    certificate = _issue(ca)
    real_build = ocsp_presign.ocsp._build
    calls = []

    def build_then_revoke(**kwargs):
        response = real_build(**kwargs)
        if not calls:  # a revocation commits between the read and the write-back
            calls.append(1)
            certificate_revoke(certificate=certificate, reason="key_compromise", actor=operator)
        return response

    monkeypatch.setattr(ocsp_presign.ocsp, "_build", build_then_revoke)
    assert ocsp_presign.ocsp_presign(certificate_ids=[certificate.pk]) == 1
    path = ocsp_presign.response_path(ca=ca, serial_hex=certificate.serial_hex)
    assert openssl_status(tmp_path, ca, certificate, path) == "revoked"
