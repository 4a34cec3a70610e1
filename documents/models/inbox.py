"""The applicants' inboxes: letters, receipts and platform notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    RECEIPT = "receipt", _("official receipt")
    LETTER = "letter", _("letter")
    DECISION = "decision", _("decision")
    CALL_TO_SUPPLEMENT = "supplement", _("call to supplement")
    NOTICE = "notice", _("notice")


class InboxMessage(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inbox"
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    title = models.CharField(max_length=300)  # as sent (Polish for platform notices)
    body = models.TextField(blank=True)
    # A platform notice (documents.texts.NOTICE_TEXTS) and its values, shown in the reader's
    # language; blank/None for official letters, receipts and notices written before them.
    notice = models.CharField(max_length=40, blank=True)
    params = models.JSONField(null=True, blank=True)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        "Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    case = models.ForeignKey(
        "Case", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    receipt = models.ForeignKey(
        "Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter = models.ForeignKey(
        "Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    # An official letter's copy belongs to one delivery (one addressee): each party reads and
    # collects only its own copy.
    delivery = models.OneToOneField(
        "Delivery", null=True, blank=True, on_delete=models.PROTECT, related_name="message"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # The e-mail that tells the recipient a message is waiting: due until sent (swept by beat,
    # with backoff after a mail-server failure), so a failed notice is never lost.
    email_due_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="documents_inbox_unread"),
            models.Index(
                fields=["email_due_at"],
                name="documents_inbox_email_due",
                condition=models.Q(email_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def _shown(self) -> tuple[str, str]:
        from ..texts import notice_text

        return notice_text(notice=self.notice, params=self.params, title=self.title, body=self.body)

    @property
    def display_title(self) -> str:
        return self._shown()[0]

    @property
    def display_body(self) -> str:
        return self._shown()[1]
