"""Receiving gateway notifications: log the exact bytes, check the signature and the amount,
apply, and answer what the provider expects. A refused notification is audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sekap import audit

from ..gateways import gateway
from ..gateways.base import Answer, NotificationMalformed, SignatureInvalid
from ..models import GatewayNotification, NotificationVerdict
from .settlement import payment_apply

V = NotificationVerdict
OK_VERDICTS = (V.ACCEPTED, V.DUPLICATE, V.STALE)


@dataclass(frozen=True)
class Outcome:
    verdicts: tuple[str, ...]
    answer: Answer

    @property
    def accepted(self) -> bool:
        return all(v in OK_VERDICTS for v in self.verdicts)


def _log(*, gateway_name: str, body: bytes, headers: dict, verdict: str, detail: str, payment=None):
    with transaction.atomic():
        entry = GatewayNotification.objects.create(
            gateway=gateway_name,
            headers=headers,
            body=body,
            verdict=verdict,
            detail=detail[:300],
            payment=payment,
        )
        if verdict not in OK_VERDICTS:
            audit.record(
                action="payments.notification_refused",
                target=entry,
                after={"gateway": gateway_name, "verdict": verdict, "detail": detail[:200]},
            )
    return entry


def notification_accept(*, gateway_name: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """Handle one notification POSTed by ``gateway_name``; never raises on bad input."""
    adapter = gateway(gateway_name)
    kept = {k: v for k, v in headers.items() if k.lower() not in ("cookie", "authorization")}
    try:
        notices = adapter.parse_notification(body=body, headers=headers)
    except SignatureInvalid as exc:
        _log(
            gateway_name=gateway_name,
            body=body,
            headers=kept,
            verdict=V.BAD_SIGNATURE,
            detail=str(exc),
        )
        return Outcome((V.BAD_SIGNATURE,), adapter.answer(notices=[], accepted=False))
    except NotificationMalformed as exc:
        _log(
            gateway_name=gateway_name, body=body, headers=kept, verdict=V.MALFORMED, detail=str(exc)
        )
        return Outcome((V.MALFORMED,), adapter.answer(notices=[], accepted=False))
    verdicts = []
    for notice in notices:
        verdict, payment = payment_apply(
            gateway_name=gateway_name, notice=notice, source="notification"
        )
        detail = f"{notice.reference} {notice.status} {notice.amount_grosze} {notice.currency}"
        _log(
            gateway_name=gateway_name,
            body=body,
            headers=kept,
            verdict=verdict,
            detail=detail,
            payment=payment,
        )
        verdicts.append(verdict)
    accepted = all(v in OK_VERDICTS for v in verdicts)
    return Outcome(tuple(verdicts), adapter.answer(notices=notices, accepted=accepted))
