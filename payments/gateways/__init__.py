"""Payment gateways, chosen by settings (``PAYMENTS_GATEWAYS``, ``PAYMENTS_DEFAULT_GATEWAY``)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Gateway

ADAPTERS = {
    "sandbox": "payments.gateways.sandbox.SandboxGateway",
    "autopay": "payments.gateways.autopay.AutopayGateway",
    "payu": "payments.gateways.payu.PayUGateway",
}


def enabled_gateways() -> list[str]:
    return [name for name in settings.PAYMENTS_GATEWAYS if name in ADAPTERS]


def gateway(name: str) -> Gateway:
    """The configured adapter ``name`` (its options from ``PAYMENTS_GATEWAYS[name]``)."""
    if name not in enabled_gateways():
        raise LookupError(f"gateway {name!r} is not enabled")
    return import_string(ADAPTERS[name])(**settings.PAYMENTS_GATEWAYS[name])
