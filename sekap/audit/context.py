"""Who is acting, from where, in which request: carried in a context variable."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


NO_REQUEST = RequestContext()
current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "sekap_request_context", default=None
)
