"""Reminders before a call to supplement falls due (a beat-polled due date, never a countdown)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sekap import audit
from sekap.datetimes import polish_date
from sekap.site import public_url

from ..models import CaseStatus, InboxMessage, Letter, LetterKind

logger = logging.getLogger(__name__)


def reminder_days() -> int:
    """How many days before the due date the applicant is reminded (a setting, not a law)."""
    return int(getattr(settings, "DOCUMENTS_SUPPLEMENT_REMINDER_DAYS", 3))


def letters_to_remind(*, today: dt.date):
    return Letter.objects.filter(
        kind=LetterKind.CALL_TO_SUPPLEMENT,
        reminder_sent_at__isnull=True,
        supplement_due__gte=today,
        supplement_due__lte=today + dt.timedelta(days=reminder_days()),
        case__status=CaseStatus.WAITING,
    ).select_related("case")


def supplement_reminders_send(*, today: dt.date | None = None) -> int:
    """E-mail each applicant whose supplement falls due soon, once; safe to run any time."""
    today = today or timezone.localdate()
    sent = 0
    for letter in letters_to_remind(today=today):
        with transaction.atomic():
            claimed = Letter.objects.filter(pk=letter.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()
            )
            if not claimed:
                continue  # another run took it
            try:
                _send(letter)
            except OSError:
                logger.warning("reminder for letter %s not sent; will retry", letter.pk)
                transaction.set_rollback(True)
                continue
            audit.record(
                action="documents.supplement_reminder_sent",
                target=letter,
                after={"supplement_due": letter.supplement_due.isoformat()},
            )
        sent += 1
    return sent


def _send(letter: Letter) -> None:
    link = public_url(f"/sprawy/{letter.case_id}/")
    with override(settings.LANGUAGE_CODE):
        subject = _("SEKAP: the supplement for case %(sign)s is due on %(due)s") % {
            "sign": letter.case.sign,
            "due": polish_date(letter.supplement_due),
        }
        body = _(
            "The office asked you to supplement your application (%(title)s) by %(due)s. "
            "You can reply from the case page: %(link)s"
        ) % {"title": letter.title, "due": polish_date(letter.supplement_due), "link": link}
    # every addressee with an account, through its own inbox copy (paper-only parties get no
    # e-mail: the post brought them the letter)
    emails = sorted(
        {
            email
            for email in InboxMessage.objects.filter(letter=letter).values_list(
                "recipient__email", flat=True
            )
            if email
        }
    )
    for email in emails:  # one e-mail each: the parties do not see each other's addresses
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])
