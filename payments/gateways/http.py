"""The HTTP client of the provider adapters: short timeouts, errors as ``GatewayError``.
Never called inside a transaction (see ``payments.services.settlement``)."""

from __future__ import annotations

import requests
from django.db import connection

from .base import GatewayError

TIMEOUT = (5, 15)  # connect, read (seconds)


def call(method: str, url: str, **kwargs) -> requests.Response:
    if connection.in_atomic_block:
        # The rule, enforced: a slow provider must never hold a transaction or a row lock.
        raise GatewayError("a gateway is called inside a transaction")
    try:
        response = requests.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise GatewayError(f"{method} {url}: {exc}") from exc
    return response
