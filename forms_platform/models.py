"""The form repository: templates and their versions.

A version is a draft while designers edit it. Publishing freezes it: its definition, XSD, XSL,
description, namespace and identifier never change again. This is enforced three times: the
service layer refuses (``services.FormVersionFrozen``), and a database trigger (PostgreSQL and
SQLite, migration 0002) rejects any UPDATE of a frozen column of a non-draft row, whoever
issues it. Only ``status`` (published → withdrawn), ``valid_to`` and ``withdrawn_at`` may
still change on a published version.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .definition import empty_definition, text_of


class Scope(models.TextChoices):
    LOCAL = "local", _("local (this repository)")
    CENTRAL = "central", _("central (CRWDE)")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class FormTemplate(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    code = models.CharField(_("form code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=300)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.LOCAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_forms", "Can design, publish, import and export forms")]
        verbose_name = _("form template")
        verbose_name_plural = _("form templates")

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    FROZEN_FIELDS = (
        "template_id",
        "number",
        "definition",
        "description",
        "xsd",
        "xsl",
        "namespace",
        "identifier",
        "valid_from",
        "content_hash",
        "published_at",
        "published_by_id",
        "created_at",
    )

    template = models.ForeignKey(FormTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    definition = models.JSONField(_("definition"), default=empty_definition)
    description = models.JSONField(_("description"), default=dict, blank=True)
    xsd = models.TextField(_("XSD schema"), blank=True)
    xsl = models.TextField(_("XSL visualisation"), blank=True)
    namespace = models.CharField(_("namespace"), max_length=300, blank=True)
    identifier = models.CharField(_("identifier"), max_length=40, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="fp_version_number_unique"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(status="draft"), name="fp_one_draft_per_template"
            ),
            models.UniqueConstraint(
                fields=["namespace"], condition=~Q(namespace=""), name="fp_namespace_unique"
            ),
            models.UniqueConstraint(
                fields=["identifier"], condition=~Q(identifier=""), name="fp_identifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "withdrawn"]),
                name="fp_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (
                    ~Q(namespace="")
                    & ~Q(identifier="")
                    & ~Q(xsd="")
                    & ~Q(xsl="")
                    & ~Q(content_hash="")
                    & Q(valid_from__isnull=False)
                ),
                name="fp_published_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def title(self) -> str:
        return text_of(self.description.get("title")) or self.template.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (
            self.status == VersionStatus.PUBLISHED
            and self.valid_from is not None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class RepositoryCounter(models.Model):
    """Sequence numbers of the repository (the NNNN of local identifiers), taken under lock."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
