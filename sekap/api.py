"""API helpers: RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import DomainError

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
    if isinstance(exc, DomainError):
        body = {
            "type": f"urn:sekap:problem:{exc.code}",
            "title": str(exc.message),
            "status": exc.status,
            "code": exc.code,
        }
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
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
