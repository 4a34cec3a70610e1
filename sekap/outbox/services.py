"""Queueing and sending e-mail. ``mail_queue`` is the only writer of new mail.

The row is written in the caller's transaction; after commit one attempt is made at once, and
a failed one leaves the mail due with a backoff for ``mail_sweep`` (beat, every minute). The
send happens outside any transaction; a claim is one conditional update, so two sweepers never
send the same mail in the same lease.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** min(attempts, 6)), dt.timedelta(hours=6))


def mail_queue(
    *, to: str, subject: str, body: str, topic: str = "", reply_to: str = ""
) -> OutgoingMail:
    """Queue one e-mail in the caller's transaction; it is sent after commit."""
    now = timezone.now()
    mail = OutgoingMail.objects.create(
        to=to,
        reply_to=reply_to,
        subject=subject[:300],
        body=body,
        topic=topic,
        created_at=now,
        due_at=now,
    )
    transaction.on_commit(lambda: _send_quietly(mail.pk))
    return mail


def _send_quietly(mail_id: int) -> None:
    """After commit: never raises; a failure stays due for the sweep."""
    try:
        mail_send(mail_id=mail_id)
    except Exception as exc:  # the mail server is down: the sweep retries
        logger.warning("mail %s failed (%r); it will be retried", mail_id, exc)


def mail_send(*, mail_id: int, now: dt.datetime | None = None) -> bool:
    """Send one mail if it is still due; True when sent now. Raises the mail server's error
    after recording the next attempt."""
    now = now or timezone.now()
    claimed = OutgoingMail.objects.filter(
        pk=mail_id, sent_at__isnull=True, due_at__isnull=False, due_at__lte=now
    ).update(due_at=now + LEASE)
    if not claimed:
        return False
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        EmailMessage(
            subject=mail.subject,
            body=mail.body,
            to=[mail.to],
            reply_to=[mail.reply_to] if mail.reply_to else None,
        ).send()
    except Exception:
        OutgoingMail.objects.filter(pk=mail_id).update(
            attempts=F("attempts") + 1, due_at=now + backoff(mail.attempts + 1)
        )
        raise
    OutgoingMail.objects.filter(pk=mail_id).update(sent_at=timezone.now(), due_at=None)
    return True


def mail_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send the mail that is due (new ones whose first attempt was lost, failed ones after their
    backoff); returns how many went. Idempotent: sent mail is never due."""
    now = now or timezone.now()
    due = list(
        OutgoingMail.objects.filter(due_at__lte=now, sent_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        try:
            sent += mail_send(mail_id=pk, now=now)
        except Exception as exc:
            logger.warning("mail %s failed again (%r)", pk, exc)
    return sent


def mail_queued_about(*, topic: str) -> bool:
    """Was any mail on ``topic`` queued already (a once-only notice's marker)?"""
    return OutgoingMail.objects.filter(topic=topic).exists()
