"""Who is acting, from where, in which request: carried in a context variable."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "sekap_request_context", default=RequestContext()
)
