"""Trust store, trusted-list imports and batch validation state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustedCertificate(models.Model):
    """A trust anchor managed by CPD administrators (or imported from a trusted list)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Added by an administrator")
        TRUSTED_LIST = "trusted_list", _("Imported from a trusted list")

    label = models.CharField(_("label"), max_length=200)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    service_type = models.CharField(_("trusted list service type"), max_length=200, blank=True)
    territory = models.CharField(_("trusted list territory"), max_length=10, blank=True)
    # From the trusted list's service entry: Qualifications qualifiers (QCWithQSCD, QCForESig,
    # ...) and AdditionalServiceInformation (ForeSignatures, ForeSeals, ...), space-separated.
    tl_qualifiers = models.CharField(_("trusted list qualifiers"), max_length=500, blank=True)
    tl_additional = models.CharField(
        _("trusted list additional service information"), max_length=300, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted certificate")
        verbose_name_plural = _("trusted certificates")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class TrustedListImport(models.Model):
    """One import of an ETSI TS 119 612 trusted list (its signature was verified)."""

    territory = models.CharField(_("territory"), max_length=10)
    sequence_number = models.PositiveIntegerField(_("sequence number"))
    issue_date_time = models.DateTimeField(_("issued"), null=True)
    next_update = models.DateTimeField(_("next update"), null=True)
    signer_sha256 = models.CharField(_("list signer fingerprint"), max_length=64)
    document_sha256 = models.CharField(_("document fingerprint"), max_length=64)
    certificates_imported = models.PositiveIntegerField(_("certificates imported"), default=0)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted list import")
        verbose_name_plural = _("trusted list imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.territory} #{self.sequence_number}"


class ValidationBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    passed = models.PositiveIntegerField(_("passed"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    indeterminate = models.PositiveIntegerField(_("indeterminate"), default=0)
    revocation_fetches = models.PositiveIntegerField(_("revocation fetches"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("validation batch")
        verbose_name_plural = _("validation batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100


class BatchItem(models.Model):
    batch = models.ForeignKey(ValidationBatch, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("name"), max_length=255)
    content = models.BinaryField(_("document"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    indication = models.CharField(_("indication"), max_length=20, blank=True)
    sub_indication = models.CharField(_("sub-indication"), max_length=40, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch document")
        verbose_name_plural = _("batch documents")
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "validated_at"])]

    def __str__(self) -> str:
        return self.name
