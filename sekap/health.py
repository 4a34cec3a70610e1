"""Health checks.

``GET /healthz`` is anonymous and cheap: one ``SELECT 1`` on the database, no broker or worker
round trip, and it tells nothing but ``{"status": "ok"}`` (200) or ``{"status": "fail"}`` (503).

``GET /healthz/details`` is for monitoring: with ``Authorization: Bearer <HEALTH_TOKEN>`` it runs
every check (database, cache, broker, worker with Redis, disk, ClamAV) and reports each. Without
``HEALTH_TOKEN`` set it does not exist (404); a wrong token gets 403.
"""

from __future__ import annotations

import hmac
import shutil
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from sekap import antivirus


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("unexpected answer")
    return connection.vendor


def _cache() -> str:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("value not read back")
    cache.delete(key)
    return type(cache).__name__


def _broker() -> str:
    from sekap.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "connected"


def _worker() -> str:
    from sekap.celery import app

    replies = app.control.ping(timeout=1.5)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"{len(replies)} worker(s)"


def _disk() -> str:
    minimum = int(getattr(settings, "HEALTH_MIN_FREE_BYTES", 1024**3))
    free = shutil.disk_usage(settings.VAR_DIR).free
    if free < minimum:
        raise RuntimeError(f"{free} bytes free in {settings.VAR_DIR}, below {minimum}")
    return f"{free} bytes free"


def _clamav() -> str:
    status = antivirus.status()
    if not status.ok:
        raise RuntimeError(status.detail)
    return status.detail


def checks() -> dict[str, Callable[[], str]]:
    found: dict[str, Callable[[], str]] = {
        "database": _database,
        "cache": _cache,
        "broker": _broker,
    }
    if settings.REDIS_URL:
        found["worker"] = _worker
    found["disk"] = _disk
    found["clamav"] = _clamav
    return found


def run_checks() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    healthy = True
    for name, check in checks().items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True, "detail": detail}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        _database()
    except Exception:  # reveals nothing: monitoring reads /healthz/details
        return JsonResponse({"status": "fail"}, status=503)
    return JsonResponse({"status": "ok"})


def bearer_token_ok(request: HttpRequest, *, setting: str) -> bool:
    """Whether the request bears the token of ``settings.<setting>``; 404 when it is unset."""
    expected = getattr(settings, setting, "") or ""
    if not expected:
        raise Http404()
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    return hmac.compare_digest(given.encode(), expected.encode())


@never_cache
def healthz_details(request: HttpRequest) -> JsonResponse:
    if not bearer_token_ok(request, setting="HEALTH_TOKEN"):
        return JsonResponse({"status": "forbidden"}, status=403)
    healthy, results = run_checks()
    body = {"status": "ok" if healthy else "fail", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)
