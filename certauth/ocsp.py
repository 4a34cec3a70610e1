"""The OCSP responder (RFC 6960), shared by the Django view and the lean WSGI path.

Responses are signed by the delegated responder certificate (id-kp-OCSPSigning, ocsp-nocheck)
that the issuing CA issued at the ceremony. For a request without a nonce and with a SHA-1
CertID (what relying parties send by default) the signed response is stored on the certificate
row and served as is until it is due for refresh; every status change drops it in the same
transaction, and the write-back is conditional on the status sequence, so a response made
before a revocation can never be stored after it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from django.utils import timezone

from . import keys
from .conf import setting

logger = logging.getLogger(__name__)

MAX_REQUEST = 16 * 1024
CONTENT_TYPE = "application/ocsp-response"
_REASONS = {flag.name: flag for flag in x509.ReasonFlags}


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


MALFORMED = _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
INTERNAL_ERROR = _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)
UNAUTHORIZED = _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
TRY_LATER = _unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)


@dataclass
class _Issuer:
    ca_id: int
    responder: keys.Signer
    responder_cert: x509.Certificate


class _Registry:
    """CA lookup by CertID hashes, with the responder key loaded; refreshed every 30 s."""

    ttl = 30.0

    def __init__(self) -> None:
        self._by_hash: dict[tuple[str, bytes, bytes], _Issuer] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def get(self, algorithm: str, name_hash: bytes, key_hash: bytes) -> _Issuer | None:
        if time.monotonic() - self._loaded_at > self.ttl:
            self._reload()
        return self._by_hash.get((algorithm, name_hash, key_hash))

    def _reload(self) -> None:
        from .models import ServiceIdentity

        table: dict[tuple[str, bytes, bytes], _Issuer] = {}
        services = ServiceIdentity.objects.filter(kind="ocsp", is_active=True).select_related(
            "ca", "certificate"
        )
        for service in services:
            ca = service.ca
            issuer = _Issuer(
                ca_id=ca.pk,
                responder=keys.load_signer(service.key_ref),
                responder_cert=x509.load_der_x509_certificate(bytes(service.certificate.der)),
            )
            table[("sha1", bytes.fromhex(ca.name_sha1), bytes.fromhex(ca.key_sha1))] = issuer
            table[("sha256", bytes.fromhex(ca.name_sha256), bytes.fromhex(ca.key_sha256))] = issuer
        with self._lock:
            self._by_hash, self._loaded_at = table, time.monotonic()


registry = _Registry()


def validity() -> dt.timedelta:
    return dt.timedelta(minutes=float(setting("CERTAUTH_OCSP_VALIDITY_MINUTES", 60)))


def _build(
    *,
    issuer: _Issuer,
    request: ocsp.OCSPRequest,
    row: tuple | None,
    nonce: bytes | None,
    now: dt.datetime,
) -> bytes:
    builder = ocsp.OCSPResponseBuilder()
    status = ocsp.OCSPCertStatus.UNKNOWN
    revoked_at = reason = None
    if row is not None:
        _pk, state, revoked_at, reason_name, _seq = row
        if state == "valid":
            status, revoked_at = ocsp.OCSPCertStatus.GOOD, None
        else:
            status = ocsp.OCSPCertStatus.REVOKED
            reason = _REASONS.get(reason_name) if reason_name else None
            if reason == x509.ReasonFlags.unspecified:
                reason = None
    builder = builder.add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + validity(),
        revocation_time=revoked_at,
        revocation_reason=reason,
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return keys.sign_ocsp(issuer.responder, builder, issuer.responder_cert)


def respond(data: bytes) -> bytes:
    """Answer one DER OCSPRequest with a DER OCSPResponse; never raises."""
    try:
        if len(data) > MAX_REQUEST:
            return MALFORMED
        request = ocsp.load_der_ocsp_request(data)
        serial = request.serial_number
        algorithm = request.hash_algorithm
        name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
        nonce = None
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                nonce = extension.value.nonce
    except Exception:
        return MALFORMED
    try:
        if not isinstance(algorithm, hashes.SHA1 | hashes.SHA256) or serial <= 0:
            return MALFORMED if serial <= 0 else UNAUTHORIZED
        issuer = registry.get(algorithm.name, name_hash, key_hash)
        if issuer is None:
            return UNAUTHORIZED
        return _respond_for(issuer, request, serial, algorithm, nonce)
    except Exception:
        logger.exception("OCSP responder failure")
        return INTERNAL_ERROR


_CACHED_SQL = (
    "SELECT ocsp_response, ocsp_refresh_after FROM certauth_certificate "
    "WHERE ca_id = %s AND serial_hex = %s"
)


def _respond_for(issuer, request, serial: int, algorithm, nonce: bytes | None) -> bytes:
    from django.db import connection

    from .models import Certificate

    serial_hex = format(serial, "x")
    cacheable = nonce is None and algorithm.name == "sha1"
    if cacheable:
        # The hot path: one indexed lookup of the pre-signed bytes, no ORM.
        with connection.cursor() as cursor:
            cursor.execute(_CACHED_SQL, [issuer.ca_id, serial_hex])
            hit = cursor.fetchone()
        if hit is not None and hit[0] is not None and hit[1] is not None and time.time() < hit[1]:
            return bytes(hit[0])
    row = (
        Certificate.objects.filter(ca_id=issuer.ca_id, serial_hex=serial_hex)
        .values_list("pk", "status", "revoked_at", "revocation_reason", "status_seq")
        .first()
    )
    now = timezone.now().replace(microsecond=0)
    response = _build(issuer=issuer, request=request, row=row, nonce=nonce, now=now)
    if cacheable and row is not None:
        refresh = int(now.timestamp() + validity().total_seconds() / 4)
        Certificate.objects.filter(pk=row[0], status_seq=row[4]).update(
            ocsp_response=response, ocsp_refresh_after=refresh
        )
    return response


def decode_get_path(encoded: str) -> bytes | None:
    """The base64 (URL-decoded) request of a GET (RFC 6960 Appendix A.1)."""
    try:
        return base64.b64decode(encoded.strip("/"), validate=False)
    except (binascii.Error, ValueError):
        return None


def handle(method: str, body: bytes, path_suffix: str, content_type: str) -> tuple[int, bytes]:
    """HTTP semantics shared by both front ends: (status code, response DER)."""
    if method == "POST":
        return 200, respond(body)
    if method == "GET":
        data = decode_get_path(path_suffix)
        return 200, (respond(data) if data else MALFORMED)
    return 405, b""
