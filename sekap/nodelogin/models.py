"""What the platform keeps about the national node: its verified metadata and the messages
already used (so an artifact or an assertion is accepted once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NodeMetadata(models.Model):
    """The node's metadata as last fetched and verified (one row per source)."""

    source = models.CharField(_("source"), max_length=500, unique=True)
    entity_id = models.CharField(_("entity ID"), max_length=500)
    xml = models.TextField(_("metadata"))
    sha256 = models.CharField(max_length=64)
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("national node metadata")
        verbose_name_plural = _("national node metadata")

    def __str__(self) -> str:
        return self.entity_id


class UsedMessage(models.Model):
    """An artifact or assertion ID already accepted: a second use is a replay."""

    class Kind(models.TextChoices):
        ARTIFACT = "artifact", _("artifact")
        ASSERTION = "assertion", _("assertion")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="nodelogin_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}"


class NodeSession(models.Model):
    """A platform session opened through the node, so the node's logout can end it."""

    session_key = models.CharField(max_length=40, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    name_id = models.CharField(max_length=200)
    session_index = models.CharField(max_length=200, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.session_index
