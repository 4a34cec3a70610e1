"""The incoming register (RPW): one register per office for every channel, gap-free numbers per
office and year, and the scans of paper items."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField


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


class RegisterChannel(models.TextChoices):
    """How an item reached the office (records instruction; REFERENCE §3.4)."""

    ESP = "esp", _("electronic mailbox (portal)")
    API = "api", _("API")
    E_DORECZENIA = "e_doreczenia", _("e-Doręczenia")
    EPUAP = "epuap", _("ePUAP")
    POST = "post", _("paper, by post")
    IN_PERSON = "in_person", _("in person at the counter")
    EMAIL = "email", _("e-mail")


PAPER_CHANNELS = (RegisterChannel.POST, RegisterChannel.IN_PERSON)


class RegisterEntry(models.Model):
    """An entry of the office's incoming register (rejestr przesyłek wpływających)."""

    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    submission = models.OneToOneField(
        "Submission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entry",
    )
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    sender = models.CharField(_("sender"), max_length=300)
    correspondent = models.ForeignKey(
        "Correspondent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
        verbose_name=_("correspondent"),
    )
    sender_reference = models.CharField(_("sender's reference"), max_length=100, blank=True)
    sender_date = models.DateField(_("date on the item"), null=True, blank=True)
    attachments_count = models.PositiveSmallIntegerField(
        _("number of attachments"), null=True, blank=True
    )
    attachments_kind = models.CharField(_("kind of attachments"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(
        _("channel"), max_length=20, choices=RegisterChannel.choices, default=RegisterChannel.ESP
    )
    department = models.ForeignKey(
        "offices.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("routed to"),
    )
    case = models.ForeignKey(
        "Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
        verbose_name=_("case"),
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


class RegisterScan(models.Model):
    """A scan of a paper item: attached to its entry, or waiting in the unmatched list."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        RegisterEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scans",
        verbose_name=_("register entry"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = StoredBytesField(kind="scans")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # What the barcode reader found ("" when nothing was readable).
    barcode = models.CharField(_("barcode read"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attached_at = models.DateTimeField(_("attached at"), null=True, blank=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When clamd last found the scan clean or infected; empty for a scan stored while scanning
    # was off (or before it existed): the recheck sweep (scans_recheck) checks those.
    virus_checked_at = models.DateTimeField(_("checked for malware at"), null=True, blank=True)
    # What clamd found in a scan checked after it was stored; such a scan is never served.
    malware = models.CharField(_("malware found"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["uploaded_at", "pk"]
        indexes = [
            models.Index(fields=["office", "entry"], name="documents_scan_unmatched"),
            models.Index(
                fields=["id"],
                name="documents_scan_unchecked",
                condition=models.Q(virus_checked_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.filename
