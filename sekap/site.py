"""The platform's public address, written into receipts, e-mails and certificates.

A deployment sets ``SITE_URL``; in production (``settings.PRODUCTION``) a system check refuses to
start without it or with a loopback address, because receipts sealed with a wrong address cannot
be corrected afterwards. The embedded default leaves it empty and uses the address actually
being served (the current request's scheme and host, already checked against ALLOWED_HOSTS), and
outside a request the address ``make run`` serves.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse

EMBEDDED_DEFAULT = "http://127.0.0.1:8000"

_served: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sekap_served_address", default=None
)


def public_url(path: str = "") -> str:
    """``SITE_URL`` (or, in the embedded default, the address being served) joined to ``path``."""
    base = str(getattr(settings, "SITE_URL", "") or "") or _served.get() or EMBEDDED_DEFAULT
    return f"{base.rstrip('/')}/{path.lstrip('/')}" if path else base.rstrip("/")


class ServedAddressMiddleware:
    """Remember the scheme and host this request was served at (for ``public_url``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            address = f"{request.scheme}://{request.get_host()}"
        except Exception:  # DisallowedHost: Django answers 400 later; remember nothing
            address = None
        token = _served.set(address)
        try:
            return self.get_response(request)
        finally:
            _served.reset(token)


def is_loopback(url: str) -> bool:
    """True when ``url`` names this machine only (localhost, 127.0.0.0/8, ::1, 0.0.0.0)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@checks.register(checks.Tags.security, deploy=False)
def site_url_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Production must name its public address: it goes into every sealed receipt."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    url = str(getattr(settings, "SITE_URL", "") or "")
    hint = "Set SITE_URL to the public https:// address citizens use, e.g. https://sekap.example."
    if not url:
        return [checks.Error("SITE_URL is not set.", hint=hint, id="sekap.E001")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            checks.Error(
                f"SITE_URL is not an http(s) address: {url!r}.", hint=hint, id="sekap.E001"
            )
        ]
    if is_loopback(url):
        return [
            checks.Error(
                f"SITE_URL names this machine only ({url}); receipts would carry a link "
                "nobody else can open.",
                hint=hint,
                id="sekap.E002",
            )
        ]
    return []
