"""Per-office, versioned templates of decisions and letters.

A template's text may name case and party fields as ``{{ case.sign }}``; they are filled in by
plain substitution (``documents.services.letters.templates``), never by running a template
language on text people wrote. A published version is never changed; a decision keeps the
version it was drafted from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    DECISION = "decision", _("decision")
    LETTER = "letter", _("letter")


class LetterTemplate(models.Model):
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=TemplateKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["office", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="documents_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class LetterTemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=300)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    ruling = models.TextField(_("ruling"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    body = models.TextField(_("content"), blank=True)
    appeal_body = models.CharField(
        _("appeal body"),
        max_length=300,
        blank=True,
        help_text=_("The body that hears an appeal, e.g. Samorządowe Kolegium Odwoławcze."),
    )
    appeal_days = models.PositiveSmallIntegerField(_("appeal period (days)"), default=14)
    seal_allowed = models.BooleanField(
        _("may be signed with the office seal"),
        default=False,
        help_text=_("The office allows documents from this template to bear its seal."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("letter template version")
        verbose_name_plural = _("letter template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="documents_template_version_number"
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(status="draft"),
                name="documents_template_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"
