"""Rate limits where anonymous or cheap requests cost the platform.

One table of rates, ``SEKAP_RATE_LIMITS`` (``{"group": "N/period"}``), read on every request,
counted in the configured cache (Redis in production, local memory in the embedded default):

* views: :func:`limit` (django-ratelimit's counter, ``get_usage``) answers 429 with a translated
  page and ``Retry-After`` instead of calling the view;
* the API: :class:`ScopedThrottle` (a DRF throttle) answers 429 problem details with
  ``Retry-After``; anonymous callers are counted per IP address, token callers per token, in
  fixed windows of the rate's period (one counter per window: a caller gets at most the rate in
  any window, so at most twice the rate across a boundary; ``Retry-After`` is the rest of the
  window). Counting costs one round trip to Redis (INCR and EXPIRE together).

The client IP is ``REMOTE_ADDR``: ``sekap.audit.middleware.RequestContextMiddleware`` puts the
real client there only for requests that come through a configured proxy, so a forged
``X-Forwarded-For`` cannot buy a fresh allowance. ``RATELIMIT_CACHE_PREFIX`` namespaces both
kinds of counters.

While the counters cannot be read (Redis down or restarting), requests are let through and a
warning is logged: a limit that cannot count must not turn into an outage of everything behind
it (the fault drill, tests/drills, stops Redis under a load of submissions).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# What the cache raises when its server cannot be reached (Redis; OSError for sockets).
COUNTERS_DOWN = (RedisError, OSError)


def _counters_down(group: str, exc: Exception) -> None:
    logger.warning("rate-limit counters unavailable (%r): %s request let through", exc, group)


DEFAULT_RATES = {
    "signature_validation": "30/m",
    "verify_page": "20/m",
    "tsa": "120/m",
    "ocsp": "600/m",
    "register": "10/h",
    "password_reset": "10/h",
    "helpdesk": "20/h",
    "login": "30/m",
    "submission_api": "60/m",
}


def rate(group: str) -> str | None:
    """The configured rate of ``group``; None switches the limit off."""
    rates = {**DEFAULT_RATES, **getattr(settings, "SEKAP_RATE_LIMITS", {})}
    return rates.get(group)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "429.html",
        {"retry_after_minutes": max(1, math.ceil(retry_after / 60))},
        status=429,
    )
    response["Retry-After"] = str(max(1, retry_after))
    return response


def _client_ip(group: str, request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def limit(group: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorate a view: more than the group's rate per client IP gets a 429 page."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            configured = rate(group)
            if configured and request.method in methods:
                try:
                    usage = get_usage(
                        request,
                        group=f"sekap.{group}",
                        key=_client_ip,
                        rate=configured,
                        method=list(methods),
                        increment=True,
                    )
                except COUNTERS_DOWN as exc:
                    _counters_down(group, exc)
                    usage = None
                if usage is not None and usage["should_limit"]:
                    return too_many_requests(request, int(usage["time_left"]))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _count(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` in the default cache and return it; the counter expires
    ``timeout`` seconds after its last count. On Redis one round trip (INCR and EXPIRE in one
    MULTI/EXEC)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)  # one per pool: sekap.cache
        stored_key = backend.make_and_validate_key(key)
        with client.pipeline() as pipe:
            count, _ = pipe.incr(stored_key).expire(stored_key, timeout).execute()
        return count
    backend.add(key, 0, timeout)
    try:
        return backend.incr(key)
    except ValueError:  # expired in between
        backend.set(key, 1, timeout)
        return 1


class ScopedThrottle(SimpleRateThrottle):
    """DRF throttle for a view's ``throttle_scope``; the rate comes from ``SEKAP_RATE_LIMITS``
    at request time (DRF's own ``THROTTLE_RATES`` is read once at import). Fixed windows (see
    the module's notes): one counter per caller and window, no history list to read and write."""

    def __init__(self) -> None:  # the rate depends on the view: see allow_request
        self.rate = None

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope or not getattr(settings, "RATELIMIT_ENABLE", True):
            return True
        self.rate = rate(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        try:
            count = _count(f"{self.get_cache_key(request, view)}:{window}", self.duration)
        except COUNTERS_DOWN as exc:
            _counters_down(self.scope, exc)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return max(1, math.ceil(self.window_ends - self.now))

    def get_cache_key(self, request, view) -> str:
        token = getattr(request, "auth", None)
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{request.META.get('REMOTE_ADDR', '') or 'unknown'}"
        prefix = getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:")
        return f"{prefix}throttle:{self.scope}:{ident}"
