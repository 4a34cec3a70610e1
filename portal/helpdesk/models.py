"""Tickets people write to the data centre's helpdesk, its FAQ and its status notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketStatus(models.TextChoices):
    NEW = "new", _("new, waiting for the helpdesk")
    ANSWERED = "answered", _("answered")
    WAITING = "waiting", _("your reply, waiting for the helpdesk")
    CLOSED = "closed", pgettext_lazy("ticket status", "closed")


class Ticket(models.Model):
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="helpdesk_tickets",
    )
    subject = models.CharField(_("ticket subject"), max_length=200)
    # The page the person wrote from (a path on this site, never a full address).
    page = models.CharField(_("page"), max_length=500, blank=True)
    # Attached only with the person's consent; the helpdesk sees what they attached, no more.
    case = models.ForeignKey(
        "documents.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submission = models.ForeignKey(
        "documents.Submission",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"))

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-pk"]
        permissions = [("work_tickets", _("Can work the helpdesk's ticket queue"))]
        indexes = [models.Index(fields=["status", "updated_at"], name="helpdesk_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def first_response_time(self):
        return self.first_response_at - self.created_at if self.first_response_at else None


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_helpdesk = models.BooleanField(default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField()
    # The Message-ID of the e-mail this answer came in (a second delivery adds nothing).
    email_message_id = models.CharField(max_length=250, blank=True, default="")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="helpdesk_message_email_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


class AnswerTemplate(models.Model):
    """A ready answer to a common question, which CPD staff start a reply from."""

    title = models.CharField(_("title"), max_length=120, unique=True)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class FaqEntry(models.Model):
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    position = models.PositiveSmallIntegerField(_("place in the list"), default=0)
    published = models.BooleanField(_("shown on the page"), default=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.question


class NoticeKind(models.TextChoices):
    PLANNED = "planned", _("planned outage")
    INCIDENT = "incident", _("incident")


class StatusNotice(models.Model):
    """A planned outage or an incident, shown on the status page while it is current."""

    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("status notice")
        verbose_name_plural = _("status notices")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title
