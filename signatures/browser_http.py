"""The two HTTP steps of signing in the browser, shared by the citizen's application (portal)
and the official's decision (documents): ``start`` answers the octets the browser's key signs
(JSON, for the script), ``finish`` posts back the signature value (base64)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from django.http import HttpRequest, JsonResponse

from sekap.errors import DomainError


def octets_response(start: Callable[[], bytes]) -> JsonResponse:
    """The ``start`` step: the octets to sign, or the refusal's message with status 400."""
    try:
        octets = start()
    except DomainError as exc:
        return JsonResponse({"detail": str(exc.message)}, status=400)
    return JsonResponse({"octets": base64.b64encode(octets).decode("ascii")})


def posted_signature_value(request: HttpRequest) -> bytes:
    """The ``finish`` step's signature value; empty when it is not valid base64 (the service
    then refuses it as not matching)."""
    try:
        return base64.b64decode(request.POST.get("signature_value", ""), validate=True)
    except (binascii.Error, ValueError):
        return b""
