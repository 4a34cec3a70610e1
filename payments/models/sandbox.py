"""The embedded sandbox bank's own ledger (the bank's side, not the office's)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxTransaction(models.Model):
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    merchant_ref = models.CharField(max_length=64, unique=True)
    amount_grosze = models.PositiveBigIntegerField()
    title = models.CharField(max_length=140)
    recipient = models.CharField(max_length=200)
    status = models.CharField(max_length=10, default="pending")
    return_url = models.URLField(max_length=1000)
    refunded_grosze = models.PositiveBigIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sandbox bank transaction")
        verbose_name_plural = _("sandbox bank transactions")

    def __str__(self) -> str:
        return f"{self.token} {self.status}"
