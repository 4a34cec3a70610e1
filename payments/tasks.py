"""Celery entry points: thin and idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def poll_pending() -> int:
    """Beat: ask the gateways about payments still pending (lost notifications)."""
    from .services import payments_poll

    return payments_poll()


@shared_task(acks_late=True)
def overdue_sweep() -> dict:
    """Beat: calls to pay for unpaid fees, then expiry (the application is returned)."""
    from .services import orders_overdue_sweep

    return orders_overdue_sweep()


class NotificationNotTaken(RuntimeError):
    pass


@shared_task(
    acks_late=True,
    autoretry_for=(NotificationNotTaken,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def sandbox_notify(*, token: str) -> str:
    """The sandbox bank delivers its signed notification to the platform's receiver (in
    process: the platform never calls itself over HTTP); an answer other than OK is retried."""
    from .services.notifications import notification_accept
    from .services.sandbox_bank import sandbox_notification

    body, headers = sandbox_notification(token=token)
    outcome = notification_accept(gateway_name="sandbox", body=body, headers=headers)
    if not outcome.accepted:
        raise NotificationNotTaken(",".join(outcome.verdicts))
    return ",".join(outcome.verdicts)
