"""E-mail notices of inbox messages: durable, retried with backoff, sent at least once.

A message that should be e-mailed carries ``email_due_at``. It is sent right after the commit
that created it; when the mail server fails, the due time moves by the backoff and the beat
sweep (``intake_sweep``) hands it to the retrying task. Sending happens outside any
transaction; the claim that marks it sent is a single conditional update.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone

from sekap.site import public_url

from .. import dispatch
from ..models import InboxMessage

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)


def email_backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** min(attempts, 6)), dt.timedelta(hours=6))


def inbox_email_send(*, message_id: int, now: dt.datetime | None = None) -> bool:
    """Send the e-mail of one message if it is still due; True when sent now.

    Raises OSError (after recording the next attempt) when the mail server fails."""
    now = now or timezone.now()
    message = _due().filter(pk=message_id).first()
    if message is None or not message.recipient.email:
        return False
    _send(message, now=now)
    InboxMessage.objects.filter(pk=message_id).update(emailed_at=timezone.now(), email_due_at=None)
    return True


def _due():
    return InboxMessage.objects.select_related("recipient").filter(
        emailed_at__isnull=True, email_due_at__isnull=False
    )


def _send(message: InboxMessage, *, now: dt.datetime) -> None:
    """E-mail one message; on a mail failure record the next attempt and raise OSError."""
    try:
        send_mail(
            subject=f"SEKAP: {message.title}",
            message=f"{message.body}\n\n{public_url(f'/skrzynka/{message.pk}/')}",
            from_email=None,
            recipient_list=[message.recipient.email],
        )
    except OSError:
        InboxMessage.objects.filter(pk=message.pk, emailed_at__isnull=True).update(
            email_attempts=F("email_attempts") + 1,
            email_due_at=now + email_backoff(message.email_attempts + 1),
        )
        raise


def inbox_emails_now(message_ids: list[int]) -> int:
    """After commit, the notices of an intake batch: :func:`inbox_email_now` of each, the
    messages read in one query and those sent marked in one update (a message sent and not
    yet marked when the worker dies is sent again by the sweep: at least once). Returns how
    many were sent."""
    now = timezone.now()
    sent: list[int] = []
    try:
        for message in _due().filter(pk__in=message_ids).order_by("pk"):
            if not message.recipient.email:
                continue
            try:
                _send(message, now=now)
            except OSError as exc:
                logger.warning("mail notice %s failed (%r); it will be retried", message.pk, exc)
                dispatch.dispatch_email(message.pk)
            else:
                sent.append(message.pk)
    finally:
        if sent:
            InboxMessage.objects.filter(pk__in=sent).update(
                emailed_at=timezone.now(), email_due_at=None
            )
    return len(sent)


def inbox_email_now(message_id: int) -> None:
    """After commit: send at once; on a mail failure hand the message to the retrying task (and,
    if the broker is down too, to the sweep, which finds it still due)."""
    try:
        inbox_email_send(message_id=message_id)
    except OSError as exc:
        logger.warning("mail notice %s failed (%r); it will be retried", message_id, exc)
        dispatch.dispatch_email(message_id)


def inbox_email_sweep(*, now: dt.datetime, limit: int) -> int:
    """Dispatch e-mails that are due (after a failure and its backoff); returns how many."""
    due = list(
        InboxMessage.objects.filter(email_due_at__lte=now, emailed_at__isnull=True)
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    dispatched = 0
    for pk in due:
        # claim by moving the due time, so parallel sweepers do not dispatch it twice
        if InboxMessage.objects.filter(pk=pk, email_due_at__lte=now).update(
            email_due_at=now + LEASE
        ):
            dispatch.dispatch_email(pk)
            dispatched += 1
    return dispatched
