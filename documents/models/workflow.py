"""Workflows as data: each service's states and transitions, versioned.

A ``WorkflowVersion`` holds its states and transitions in ``definition`` (the format is parsed
and validated by ``documents.services.workflow.definition``). A version is a draft until it is
published; a published version is never changed (an edit makes a new draft), and a case keeps
the version it started with (``Case.workflow_version``).

The platform's default workflow has no office and no service; an office admin may give one of
the office's services its own workflow, which new cases of that service then follow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Workflow(models.Model):
    office = models.ForeignKey(
        "offices.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office"),
    )
    service = models.OneToOneField(
        "offices.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        constraints = [
            # one platform default (no office, no service)
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(office__isnull=True, service__isnull=True),
                name="documents_workflow_one_default",
            ),
            models.CheckConstraint(
                condition=models.Q(service__isnull=True) | models.Q(office__isnull=False),
                name="documents_workflow_service_has_office",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    definition = models.JSONField(_("states and transitions"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"], name="documents_workflow_number"
            ),
            models.UniqueConstraint(
                fields=["workflow"],
                condition=models.Q(status="draft"),
                name="documents_workflow_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"
