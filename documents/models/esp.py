"""Machine tokens of the offices' own document systems for the ESP pull API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EspToken(models.Model):
    """A machine account of one office's own document system (EZD) for the ESP pull API.

    Only the SHA-256 of the secret is stored (the secret has 256 random bits, so a plain hash
    cannot be guessed back); the secret is shown once, when it is issued. Revoked tokens stay
    as the record of who used the API.
    """

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("beginning of the token"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ESP machine token")
        verbose_name_plural = _("ESP machine tokens")
        ordering = ["office", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
