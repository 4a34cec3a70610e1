"""OCSP responses signed ahead of time and written where the reverse proxy serves them.

Every issued certificate gets its response signed on issuance, again on every status change,
and again before ``nextUpdate`` by the beat job (:func:`ocsp_presign_due`). Each response is
written twice: on the certificate row (the Django responder's hot path) and as a file keyed by
the RFC 5019 request that names it: one SHA-1 CertID, no nonce, no other extension. A GET for
that request is ``/pki/ocsp/<base64 of the request DER>`` (RFC 6960 Appendix A.1), so the
file is ``<presigned dir>/pki/ocsp/<base64>`` and nginx answers it with ``try_files $uri``
(``deploy/nginx-ocsp.conf``). Anything else (POST, a nonce, SHA-256 CertIDs, a miss) reaches
the Django responder. No signing happens inside a transaction or a row lock: the row is
written back only if its status sequence is still the one that was signed.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sekap.dispatch import dispatch_on_commit

from .. import ocsp
from ..conf import setting
from ..models import Certificate, CertificateAuthority

URL_PREFIX = "pki/ocsp"
_ROW = ("pk", "status", "revoked_at", "revocation_reason", "status_seq", "serial_hex")


def presigned_dir() -> Path:
    """The directory nginx serves as ``root`` for ``/pki/ocsp/``."""
    default = Path(settings.SEKAP_VAR_DIR) / "ocsp"
    return Path(setting("CERTAUTH_OCSP_PRESIGNED_DIR", "") or default)


def request_der(*, ca: CertificateAuthority, serial_hex: str) -> bytes:
    """The RFC 5019 request for one certificate: one SHA-1 CertID and nothing else."""
    return (
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            bytes.fromhex(ca.name_sha1),
            bytes.fromhex(ca.key_sha1),
            int(serial_hex, 16),
            hashes.SHA1(),  # noqa: S303 - the CertID hash RFC 5019 clients send
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def response_path(*, ca: CertificateAuthority, serial_hex: str) -> Path:
    """Where the response is written: the GET request's path below :func:`presigned_dir`."""
    key = base64.b64encode(request_der(ca=ca, serial_hex=serial_hex)).decode("ascii")
    return presigned_dir() / URL_PREFIX / key


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=presigned_dir(), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # readers see the old or the new response, never a torn one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sign_one(ca: CertificateAuthority, certificate_id: int) -> bool:
    issuer = ocsp.registry.get("sha1", bytes.fromhex(ca.name_sha1), bytes.fromhex(ca.key_sha1))
    if issuer is None:
        return False  # no active responder for this CA: Django answers unauthorized
    for _attempt in range(5):
        found = Certificate.objects.filter(pk=certificate_id).values_list(*_ROW).first()
        if found is None:
            return False
        row, serial_hex = found[:5], found[5]
        request = x509_ocsp.load_der_ocsp_request(request_der(ca=ca, serial_hex=serial_hex))
        now = timezone.now().replace(microsecond=0)
        response = ocsp._build(issuer=issuer, request=request, row=row, nonce=None, now=now)
        refresh = int(now.timestamp() + ocsp.validity().total_seconds() / 4)
        path = response_path(ca=ca, serial_hex=serial_hex)
        _write_atomically(path, response)
        stored = Certificate.objects.filter(pk=row[0], status_seq=row[4]).update(
            ocsp_response=response, ocsp_refresh_after=refresh
        )
        if stored:
            return True
        # The status changed while signing: the file may be stale, sign again from the row.
    path.unlink(missing_ok=True)
    return False


def ocsp_presign(*, certificate_ids: Iterable[int]) -> int:
    """Sign and publish the responses of these certificates now; returns how many were."""
    ids = list(certificate_ids)
    cas = {
        ca.pk: ca
        for ca in CertificateAuthority.objects.filter(
            pk__in=Certificate.objects.filter(pk__in=ids).values("ca_id")
        )
    }
    rows = Certificate.objects.filter(pk__in=ids).values_list("pk", "ca_id")
    return sum(1 for pk, ca_id in rows if _sign_one(cas[ca_id], pk))


def ocsp_withdraw(*, certificate: Certificate) -> None:
    """Remove the published response of ``certificate`` (the proxy then asks Django)."""
    ca = CertificateAuthority.objects.get(pk=certificate.ca_id)
    response_path(ca=ca, serial_hex=certificate.serial_hex).unlink(missing_ok=True)


def ocsp_due_ids(*, margin_seconds: int = 300) -> list[int]:
    """Unexpired certificates whose response is missing or due within ``margin_seconds``."""
    horizon = int(time.time()) + margin_seconds
    return list(
        Certificate.objects.filter(not_after__gt=timezone.now())
        .filter(Q(ocsp_refresh_after__isnull=True) | Q(ocsp_refresh_after__lte=horizon))
        .values_list("pk", flat=True)
    )


def ocsp_withdraw_expired() -> int:
    """Withdraw, once, the published responses of certificates that expired: nobody signs them
    again, so their files would be served past ``nextUpdate``; Django's responder answers for
    them from then on. Returns how many were withdrawn."""
    expired = list(
        Certificate.objects.filter(
            not_after__lte=timezone.now(), ocsp_refresh_after__isnull=False
        ).values_list("pk", "ca_id", "serial_hex")
    )
    cas = {ca.pk: ca for ca in CertificateAuthority.objects.filter(pk__in={e[1] for e in expired})}
    for _pk, ca_id, serial_hex in expired:
        response_path(ca=cas[ca_id], serial_hex=serial_hex).unlink(missing_ok=True)
    Certificate.objects.filter(pk__in=[e[0] for e in expired]).update(ocsp_refresh_after=None)
    return len(expired)


def ocsp_presign_due() -> int:
    """Beat: sign every response that is missing or near its refresh time, and withdraw those
    of expired certificates (idempotent)."""
    ocsp_withdraw_expired()
    return ocsp_presign(certificate_ids=ocsp_due_ids())


def schedule_presign(*, certificate: Certificate, withdraw: bool = False) -> None:
    """After the surrounding transaction commits: (withdraw and) sign again, in a task. The
    dispatch never raises; a response it could not queue is signed by the beat refresh."""
    if withdraw:
        transaction.on_commit(lambda: ocsp_withdraw(certificate=certificate), robust=True)
    dispatch_on_commit(task_name="certauth.tasks.presign_ocsp", certificate_ids=[certificate.pk])
