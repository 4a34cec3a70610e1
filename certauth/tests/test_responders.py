from __future__ import annotations

import base64
import io

import pytest
from asn1crypto import tsp as asn1_tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp
from django.contrib.auth.models import Permission

from certauth import ocsp, tsa
from certauth.models import Certificate, Profile
from certauth.services.issuance import certificate_issue, citizen_subject
from certauth.services.revocation import certificate_release_hold, certificate_revoke
from sekap.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _issue(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    return certificate_issue(
        ca=ca,
        profile=Profile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(given_name="Ola", surname="Mak", pesel="90090515836"),
        actor=None,
    )


def _request(ca, certificate, *, nonce: bytes | None = None, algorithm=None) -> bytes:
    builder = x509_ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_der_x509_certificate(bytes(certificate.der)),
        x509.load_der_x509_certificate(bytes(ca.certificate_der)),
        algorithm or hashes.SHA1(),  # noqa: S303 - RFC 6960 default CertID hash
    )
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


@pytest.fixture
def operator(db):
    user = StaffFactory()
    # a CPD administrator: these certificates were issued without a registration office
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["operate_ra", "administer_ca"])
    )
    return type(user).objects.get(pk=user.pk)


def test_ocsp_cache_is_dropped_on_status_change(ca, operator):
    certificate = _issue(ca)
    request = _request(ca, certificate)
    first = ocsp.respond(request)
    assert ocsp.respond(request) == first  # pre-signed response served as is
    parsed = x509_ocsp.load_der_ocsp_response(first)
    assert parsed.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
    assert parsed.next_update_utc > parsed.this_update_utc
    certificate_revoke(certificate=certificate, reason="certificate_hold", actor=operator)
    parsed = x509_ocsp.load_der_ocsp_response(ocsp.respond(request))
    assert parsed.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    assert parsed.revocation_reason == x509.ReasonFlags.certificate_hold
    certificate_release_hold(certificate=Certificate.objects.get(pk=certificate.pk), actor=operator)
    parsed = x509_ocsp.load_der_ocsp_response(ocsp.respond(request))
    assert parsed.certificate_status == x509_ocsp.OCSPCertStatus.GOOD


def test_ocsp_nonce_sha256_unknown_and_unauthorized(ca):
    certificate = _issue(ca)
    response = x509_ocsp.load_der_ocsp_response(
        ocsp.respond(
            _request(ca, certificate, nonce=b"0123456789abcdef", algorithm=hashes.SHA256())
        )
    )
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == (
        b"0123456789abcdef"
    )
    assert isinstance(response.hash_algorithm, hashes.SHA256)
    Certificate.objects.filter(pk=certificate.pk).update(serial_hex="abc")
    response = x509_ocsp.load_der_ocsp_response(ocsp.respond(_request(ca, certificate)))
    assert response.certificate_status == x509_ocsp.OCSPCertStatus.UNKNOWN
    # a certificate of a CA this responder does not serve
    root = ca.parent
    other = (
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_der_x509_certificate(bytes(ca.certificate_der)),
            x509.load_der_x509_certificate(bytes(root.certificate_der)),
            hashes.SHA1(),  # noqa: S303
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = x509_ocsp.load_der_ocsp_response(ocsp.respond(other))
    assert response.response_status == x509_ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.parametrize("body", [b"", b"garbage", b"\x30\x03\x02\x01\x01", b"\x30" * 5000])
def test_ocsp_malformed_over_http_never_500(ca, client, body):
    response = client.post("/pki/ocsp", body, content_type="application/ocsp-request")
    assert response.status_code == 200
    parsed = x509_ocsp.load_der_ocsp_response(response.content)
    assert parsed.response_status == x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    response = client.get("/pki/ocsp/" + base64.b64encode(body).decode() + "%%%")
    assert response.status_code == 200
    assert x509_ocsp.load_der_ocsp_response(response.content).response_status == (
        x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def test_lean_wsgi_path_answers_ocsp(ca):
    from certauth.wsgi import with_ocsp_fast_path

    calls = []
    app = with_ocsp_fast_path(lambda environ, start: calls.append(environ) or [b"django"])
    certificate = _issue(ca)
    body = _request(ca, certificate)
    status_line = []
    out = app(
        {
            "PATH_INFO": "/pki/ocsp",
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        },
        lambda status, headers: status_line.append(status),
    )
    assert status_line == ["200 OK"] and calls == []
    assert x509_ocsp.load_der_ocsp_response(b"".join(out)).certificate_status == (
        x509_ocsp.OCSPCertStatus.GOOD
    )
    assert app({"PATH_INFO": "/other", "REQUEST_METHOD": "GET"}, None) == [b"django"]


def _tsq(**fields) -> bytes:
    data = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": "sha256"},
            "hashed_message": b"\x01" * 32,
        },
        "cert_req": True,
    }
    data.update(fields)
    return asn1_tsp.TimeStampReq(data).dump()


@pytest.mark.parametrize(
    ("query", "fail_info"),
    [
        (b"not asn.1", "bad_data_format"),
        (
            _tsq(
                message_imprint={
                    "hash_algorithm": {"algorithm": "sha1"},
                    "hashed_message": b"\x01" * 20,
                }
            ),
            "bad_alg",
        ),
        (
            _tsq(
                message_imprint={
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": b"\x01" * 20,
                }
            ),
            "bad_data_format",
        ),
        (_tsq(req_policy="1.2.3.4"), "unaccepted_policy"),
    ],
)
def test_tsa_rejections(ca, query, fail_info):
    from certauth import der

    body = der.children(tsa.respond(query))
    assert len(body) == 1  # no token on rejection
    status = asn1_tsp.PKIStatusInfo.load(body[0])
    assert status["status"].native == "rejection"
    assert fail_info in status["fail_info"].native


def test_tsa_token_fields(ca, client):
    for algorithm, size in (("sha384", 48), ("sha512", 64)):
        query = _tsq(
            message_imprint={
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": b"\x07" * size,
            },
            nonce=123456789,
        )
        response = client.post("/pki/tsa", query, content_type="application/timestamp-query")
        assert response.status_code == 200
        reply = asn1_tsp.TimeStampResp.load(response.content)
        info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        assert info["nonce"].native == 123456789
        assert info["message_imprint"]["hashed_message"].native == b"\x07" * size
        assert info["accuracy"]["seconds"].native == 1
        assert info["serial_number"].native.bit_length() >= 64
    assert client.post("/pki/tsa", b"x", content_type="text/plain").status_code == 415
    assert client.get("/pki/tsa").status_code == 405


def test_public_ca_and_crl_downloads(ca, client):
    response = client.get("/pki/ca/sekap-issuing.crt")
    assert response["Content-Type"] == "application/pkix-cert"
    assert response.content == bytes(ca.certificate_der)
    full = client.get("/pki/crl/sekap-issuing.crl")
    delta = client.get("/pki/crl/sekap-issuing-delta.crl")
    assert full["Content-Type"] == "application/pkix-crl"
    full_crl = x509.load_der_x509_crl(full.content)
    delta_crl = x509.load_der_x509_crl(delta.content)
    assert delta_crl.extensions.get_extension_for_class(
        x509.DeltaCRLIndicator
    ).value.crl_number == (
        full_crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )
    assert client.get("/pki/crl/nope.crl").status_code == 404


def test_beat_task_republishes_crls_before_next_update(ca, settings):
    from datetime import timedelta

    from django.utils import timezone

    from certauth import tasks
    from certauth.models import CertificateAuthority, Crl

    assert tasks.refresh_crls() == 0  # fresh CRLs: nothing due
    CertificateAuthority.objects.filter(pk=ca.pk).update(
        crl_next_update=timezone.now() + timedelta(hours=1)  # inside the last quarter of 24 h
    )
    before = CertificateAuthority.objects.get(pk=ca.pk).crl_number
    assert tasks.refresh_crls() == 1
    ca.refresh_from_db()
    assert ca.crl_number == before + 2
    latest = Crl.objects.filter(ca=ca).order_by("-number").first()
    assert latest.next_update > timezone.now() + timedelta(hours=23)


def test_response_signed_before_a_revocation_is_never_cached_after_it(ca, operator, monkeypatch):
    certificate = _issue(ca)
    request = _request(ca, certificate)
    real_build = ocsp._build

    def build_then_revoke(**kwargs):
        response = real_build(**kwargs)  # signed while the certificate was still good
        certificate_revoke(
            certificate=Certificate.objects.get(pk=certificate.pk),
            reason="key_compromise",
            actor=operator,
        )
        return response

    monkeypatch.setattr(ocsp, "_build", build_then_revoke)
    stale = x509_ocsp.load_der_ocsp_response(ocsp.respond(request))
    assert stale.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
    monkeypatch.setattr(ocsp, "_build", real_build)
    assert Certificate.objects.get(pk=certificate.pk).ocsp_response is None
    fresh = x509_ocsp.load_der_ocsp_response(ocsp.respond(request))
    assert fresh.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    assert fresh.revocation_reason == x509.ReasonFlags.key_compromise
