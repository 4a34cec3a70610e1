"""The incoming register (RPW): gap-free numbers per office and year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegisterCounter(models.Model):
    """The last RPW number given by an office in a year (locked while allocating)."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="documents_rpw_counter")
        ]

    def __str__(self) -> str:
        return f"RPW {self.office_id}/{self.year}: {self.last_number}"


class RegisterEntry(models.Model):
    """An entry of the office's incoming register (rejestr przesyłek wpływających)."""

    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    submission = models.OneToOneField(
        "Submission", on_delete=models.PROTECT, related_name="register_entry"
    )
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))
    sender = models.CharField(_("sender"), max_length=300)
    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(_("channel"), max_length=20, default="ESP")
    department = models.ForeignKey(
        "offices.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("routed to"),
    )

    class Meta:
        verbose_name = _("incoming register entry")
        verbose_name_plural = _("incoming register entries")
        ordering = ["office", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="documents_rpw_unique"
            )
        ]

    def __str__(self) -> str:
        return self.rpw

    @property
    def rpw(self) -> str:
        return f"RPW/{self.number}/{self.year}"
