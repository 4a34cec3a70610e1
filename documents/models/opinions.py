"""Opinions asked for within a case (parallel opinions: several may run at once).

The clerk handling the case asks a department or a named member of staff of the same office a
question with a due date; the addressee answers in words, with attachments. The workflow
condition ``opinions_given`` holds when at least one opinion was asked for and every one not
withdrawn is answered (``documents.services.opinions``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField


class OpinionStatus(models.TextChoices):
    REQUESTED = "requested", _("asked for")
    GIVEN = "given", _("given")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Opinion(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="opinions")
    department = models.ForeignKey(
        "offices.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department asked"),
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person asked"),
    )
    question = models.TextField(_("question"))
    due_on = models.DateField(_("answer due by"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OpinionStatus.choices,
        default=OpinionStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    answer = models.TextField(_("opinion"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_label = models.CharField(max_length=200, blank=True)
    answered_position = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False, clerk__isnull=True)
                | models.Q(department__isnull=True, clerk__isnull=False),
                name="documents_opinion_one_addressee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.question[:40]}"


class OpinionAttachment(models.Model):
    """A file given with the answer, stored once with its SHA-256."""

    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = StoredBytesField(kind="opinion-attachments")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename
