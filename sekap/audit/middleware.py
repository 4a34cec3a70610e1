"""Give each request an id and establish the client IP; trust proxy headers only from a proxy.

``TRUSTED_PROXIES`` (addresses or networks) names the reverse proxies in front of the app. When
the peer (``REMOTE_ADDR``) is one of them, the client is the right-most ``X-Forwarded-For``
address that is not a trusted proxy, and ``X-Request-ID`` / ``X-Forwarded-Proto`` are kept.
From anyone else those headers are dropped, so a client cannot choose its IP (for the audit
trail, axes lockouts and rate limits) or its request id. ``REMOTE_ADDR`` is rewritten to the
client IP, so every later reader (axes, rate limits, DRF) sees the same answer.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .context import RequestContext, current

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REQUEST_ID", "HTTP_X_FORWARDED_PROTO")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _is_trusted(address: str) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _forwarded_client(forwarded: str) -> str | None:
    """The right-most address in X-Forwarded-For that is not one of our proxies."""
    for candidate in reversed([part.strip() for part in forwarded.split(",")]):
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return None  # garbage from the client side of the chain: stop trusting it
        if not _is_trusted(candidate):
            return candidate
    return None


def client_ip(request: HttpRequest) -> str | None:
    """The client IP as established by :class:`RequestContextMiddleware`."""
    return request.META.get("REMOTE_ADDR") or None


def establish_client(request: HttpRequest) -> bool:
    """Apply the proxy trust rule to ``request.META``; True when the peer is a trusted proxy."""
    meta = request.META
    peer = meta.get("REMOTE_ADDR", "")
    if peer and _is_trusted(peer):
        client = _forwarded_client(meta.get("HTTP_X_FORWARDED_FOR", ""))
        if client:
            meta["REMOTE_ADDR"] = client
        return True
    for header in _PROXY_HEADERS:
        meta.pop(header, None)
    return False


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        establish_client(request)
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = current.set(RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response
