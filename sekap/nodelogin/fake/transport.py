"""The in-process back channel to the fake node: the same SOAP bytes, no HTTP to ourselves.

The platform's own services are called in-process (DESIGN §5); with the fake node and no
transport configured this is the default. Tests also run the real HTTP round trip (live server).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse

from ..errors import NodeUnavailable
from . import node
from .views import SOAP_FAULT


def in_process(url: str, body: bytes) -> bytes:
    path = urlsplit(url).path
    handlers = {
        reverse("fakenode:artifact"): node.artifact_resolve_soap,
        reverse("fakenode:slo"): node.logout_soap,
    }
    handler = handlers.get(path)
    if handler is None:
        raise NodeUnavailable()
    try:
        return handler(body)
    except node.FakeNodeRefusal:
        return SOAP_FAULT
