"""Official letters sent in a case."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField


class LetterKind(models.TextChoices):
    LETTER = "letter", _("letter")
    DECISION = "decision", _("decision")
    CALL_TO_SUPPLEMENT = "supplement", _("call to supplement")
    DELAY_NOTICE = "delay_notice", _("notice of delay")
    LEFT_UNEXAMINED = "unexamined", _("notice: left unexamined")


class Letter(models.Model):
    """An official letter of a case, sealed with the office seal. It is addressed to case parties
    (correspondents, with or without a SEKAP account): one ``Delivery`` per addressee, each on its
    own channel and with its own delivery date, and an inbox copy for each addressee with an
    account."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("kind"), max_length=12, choices=LetterKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("content"))
    supplement_due = models.DateField(_("supplement due"), null=True, blank=True)
    xml = StoredBytesField(kind="letters")
    sha256 = models.CharField(max_length=64)
    # None: sent by the system in the office's name under its seal (the call to pay).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    sent_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.title
