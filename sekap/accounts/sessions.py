"""How the current session was logged in. A session opened through the national node is a
citizen's session only: staff pages and the second factor need the password login."""

from __future__ import annotations

from django.http import HttpRequest

CHANNEL_KEY = "sekap_login_channel"
NATIONAL_NODE = "national_node"


def login_channel(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    return session.get(CHANNEL_KEY, "") if session is not None else ""


def is_national_node_session(request: HttpRequest) -> bool:
    return login_channel(request) == NATIONAL_NODE
