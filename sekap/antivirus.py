"""Malware scanning of uploaded files by a ClamAV daemon (clamd).

Enabled when ``CLAMD_SOCKET`` (a Unix socket path) or ``CLAMD_HOST`` (with ``CLAMD_PORT``) is set;
the embedded default has neither, scans nothing and says so on the detailed health check. When
enabled, scanning fails closed: if clamd cannot be reached, the upload is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import clamd
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError


class AntivirusRefusal(DomainError):
    """The file was not accepted: malware found, or it could not be checked."""


class MalwareFound(AntivirusRefusal):
    code = "antivirus.malware_found"
    message = _("The file contains malware and was not accepted.")


class ScannerUnavailable(AntivirusRefusal):
    code = "antivirus.unavailable"
    message = _("Files cannot be checked for viruses right now; nothing was stored. Try later.")
    status = 503


@dataclass(frozen=True)
class Status:
    enabled: bool
    ok: bool
    detail: str


def enabled() -> bool:
    return bool(_socket_path() or _host())


def _socket_path() -> str:
    return getattr(settings, "CLAMD_SOCKET", "") or ""


def _host() -> str:
    return getattr(settings, "CLAMD_HOST", "") or ""


def _client() -> clamd.ClamdUnixSocket | clamd.ClamdNetworkSocket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30.0))
    if _socket_path():
        return clamd.ClamdUnixSocket(path=_socket_path(), timeout=timeout)
    return clamd.ClamdNetworkSocket(
        host=_host(), port=int(getattr(settings, "CLAMD_PORT", 3310)), timeout=timeout
    )


def scan(*, content: bytes, name: str) -> None:
    """Raise :class:`MalwareFound` when clamd finds something in ``content``.

    Does nothing when scanning is not configured; raises :class:`ScannerUnavailable` when it is
    configured and clamd does not answer (or refuses the stream as too long).
    """
    if not enabled():
        return
    try:
        answer = _client().instream(io.BytesIO(content))
    except (clamd.ConnectionError, clamd.BufferTooLongError, OSError) as exc:
        raise ScannerUnavailable() from exc
    status, signature = (answer or {}).get("stream", ("ERROR", None))
    if status == "FOUND":
        raise MalwareFound(
            _("The file “%(name)s” contains malware (%(signature)s) and was not accepted.")
            % {"name": name, "signature": signature}
        )
    if status != "OK":
        raise ScannerUnavailable()


def status() -> Status:
    """For the detailed health check: is scanning on, and does clamd answer?"""
    if not enabled():
        return Status(
            enabled=False,
            ok=True,
            detail="ClamAV is not configured (CLAMD_SOCKET/CLAMD_HOST unset): "
            "uploads are not scanned.",
        )
    try:
        client = _client()
        if client.ping() != "PONG":
            return Status(enabled=True, ok=False, detail="clamd did not answer PONG.")
        return Status(enabled=True, ok=True, detail=client.version())
    except (clamd.ConnectionError, OSError) as exc:
        return Status(enabled=True, ok=False, detail=f"{type(exc).__name__}: {exc}"[:300])
