"""One e-mail to one address, due until sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    to = models.EmailField(_("recipient"))
    # Where the recipient's answer goes (e.g. the helpdesk's per-ticket address); "" for none.
    reply_to = models.EmailField(_("reply to"), blank=True, default="")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    # What the mail is about (for tests and the operators), e.g. "helpdesk.reply".
    topic = models.CharField(_("topic"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="outbox_mail_due",
                condition=models.Q(due_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
