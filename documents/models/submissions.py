"""Submissions received through the office's electronic mailbox (ESP) or the API."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField


class Channel(models.TextChoices):
    PORTAL = "portal", _("portal")
    API = "api", _("API")


class Stage(models.IntegerChoices):
    """Where a submission is in the intake pipeline (ordered)."""

    RECEIVED = 0, _("received")
    SIGNATURE_CHECKED = 10, _("signature checked")
    REGISTERED = 20, _("registered")
    CASE_OPENED = 30, _("case opened")
    COMPLETED = 40, _("completed")


class Submission(models.Model):
    """A signed document filed with an office through its electronic mailbox."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitter"),
        on_delete=models.PROTECT,
        related_name="submissions",
        db_index=False,  # documents_sub_mine and the idempotency key lead with it
    )
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        db_index=False,  # documents_sub_company: the rows that have one
    )
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # documents_esp leads with it
    )
    service = models.ForeignKey(
        "offices.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    form_version = models.ForeignKey(
        "forms_platform.FormVersion",
        verbose_name=_("form version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply_to = models.ForeignKey(
        "Case",
        verbose_name=_("reply in case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
        db_index=False,  # documents_sub_reply_to: the rows that have one
    )
    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=100)
    document = StoredBytesField(_("signed document"), kind="submissions")
    sha256 = models.CharField(max_length=64)  # compared after a read by key, never searched
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(_("received at"))

    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.RECEIVED)
    intake_due_at = models.DateTimeField(
        help_text="When the sweeper dispatches the intake again if it has not completed."
    )
    intake_attempts = models.PositiveIntegerField(default=0)
    intake_error = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    signature_indication = models.CharField(max_length=20, blank=True)
    signature_sub_indication = models.CharField(max_length=60, blank=True)
    signature_report = models.JSONField(null=True, blank=True)
    signature_checked_at = models.DateTimeField(null=True, blank=True)
    # One entry per attached file, in document order: its own signature's result and report
    # (documents.services.attachment_signatures).
    attachment_signatures = models.JSONField(null=True, blank=True)
    needs_attention = models.BooleanField(_("needs a clerk's attention"), default=False)
    attention_reason = models.CharField(max_length=300, blank=True)

    case = models.ForeignKey(
        "Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )

    # ESP pull by the office's own document system
    esp_confirmed_at = models.DateTimeField(null=True, blank=True)
    esp_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # documents_sub_esp_by: the rows that have one
    )
    esp_confirmed_token = models.ForeignKey(
        "EspToken",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # documents_sub_esp_token: the rows that have one
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "idempotency_key"], name="documents_submission_idempotency"
            )
        ]
        indexes = [
            models.Index(fields=["stage", "intake_due_at"], name="documents_sub_sweep"),
            models.Index(
                fields=["office", "esp_confirmed_at", "received_at"], name="documents_esp"
            ),
            models.Index(fields=["submitter", "-received_at"], name="documents_sub_mine"),
            # Foreign keys that most rows leave empty: indexed where set (what a lookup by
            # one, or the PROTECT check of a deletion, reads), not written for every row.
            *(
                models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)
                for field, name in (
                    ("company", "documents_sub_company"),
                    ("reply_to", "documents_sub_reply_to"),
                    ("esp_confirmed_by", "documents_sub_esp_by"),
                    ("esp_confirmed_token", "documents_sub_esp_token"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.public_id})"

    @property
    def signature_passed(self) -> bool:
        return self.signature_indication == "TOTAL_PASSED"
