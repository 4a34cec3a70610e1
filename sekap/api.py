"""API helpers: RFC 9457 problem details for every error the API returns.

A database that cannot be reached (``OperationalError``: a restart, a failover, a dropped
connection) is answered 503 with ``Retry-After``, not 500: the fault drill (tests/drills)
restarts PostgreSQL under load, and clients should send such a request again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import OperationalError
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import DomainError, TemporarilyUnavailable

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *, status: int, code: str, title: str, detail: str = "", extra: dict[str, Any] | None = None
) -> JsonResponse:
    body = {
        "type": f"urn:sekap:problem:{code}",
        "title": str(title),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = str(detail)
    if extra:
        body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, OperationalError):
        logger.warning("database unavailable, answered 503: %r", exc)
        exc = TemporarilyUnavailable()
    if isinstance(exc, DomainError):
        body = {
            "type": f"urn:sekap:problem:{exc.code}",
            "title": str(exc.message),
            "status": exc.status,
            "code": exc.code,
        }
        response = Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    body = {
        "type": f"urn:sekap:problem:{code}",
        "title": str(getattr(exc, "default_detail", "Error")),
        "status": response.status_code,
        "code": code,
    }
    if isinstance(detail, dict) and set(detail) != {"detail"}:
        body["errors"] = detail
    elif isinstance(detail, dict):
        body["detail"] = str(detail["detail"])
    else:
        body["errors"] = detail
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
