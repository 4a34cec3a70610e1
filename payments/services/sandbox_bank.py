"""The sandbox bank's side: what the payer decides on its hosted page, and the signed
notifications it sends to the platform (with retries, like a real gateway)."""

from __future__ import annotations

import re

from django.db import transaction

from ..models import SandboxTransaction

BLIK = re.compile(r"^\d{6}$")
DECLINED_PREFIX = "9"  # a BLIK code starting with 9 is declined by the sandbox bank


class SandboxRefusal(ValueError):
    """The payer's input on the hosted page is not acceptable (e.g. not a 6-digit code)."""


def sandbox_decide(*, bank: SandboxTransaction, decision: str, code: str = "") -> str:
    """The payer pays (with a BLIK-style code), fails or abandons; returns the bank's status.
    A final status is kept (paying twice changes nothing)."""
    if decision == "pay":
        if not BLIK.match(code or ""):
            raise SandboxRefusal("code")
        status = "failed" if code.startswith(DECLINED_PREFIX) else "paid"
    elif decision == "fail":
        status = "failed"
    elif decision == "abandon":
        status = "abandoned"
    else:
        raise SandboxRefusal("decision")
    with transaction.atomic():
        bank = SandboxTransaction.objects.select_for_update().get(pk=bank.pk)
        if bank.status in ("paid", "failed"):
            return bank.status
        bank.status = status
        bank.sequence += 1
        bank.save(update_fields=["status", "sequence", "updated_at"])
        if status != "abandoned":  # leaving the page sends nothing; polling finds it
            token = str(bank.token)
            transaction.on_commit(lambda: _queue(token))
    return status


def _queue(token: str) -> None:
    from ..tasks import sandbox_notify

    sandbox_notify.delay(token=token)


def sandbox_notification(*, token: str) -> tuple[bytes, dict[str, str]]:
    """The signed notification the bank sends now for transaction ``token``."""
    from ..gateways import gateway
    from ..gateways.sandbox import HEADER, sign

    adapter = gateway("sandbox")
    bank = SandboxTransaction.objects.get(token=token)
    body = adapter.notification_body(bank)
    return body, {
        HEADER: sign(secret=adapter.secret, body=body),
        "Content-Type": "application/json",
    }
