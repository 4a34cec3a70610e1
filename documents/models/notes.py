"""Internal notes on a case: for the office's staff only, never shown to the parties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseNote(models.Model):
    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=200)
    author_position = models.CharField(max_length=200, blank=True)
    text = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:40]}"
