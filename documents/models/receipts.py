"""Official receipts (UPP, UPD): sealed XML kept as exact bytes, with a rendered PDF."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField, is_stored


class ReceiptKind(models.TextChoices):
    UPP = "UPP", _("official confirmation of submission (UPP)")
    UPD = "UPD", _("official confirmation of delivery (UPD)")


class Receipt(models.Model):
    """An official receipt (UPO): UPP for a submission, UPD for a letter the addressee opened."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=3, choices=ReceiptKind.choices)
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    submission = models.OneToOneField(
        "Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="receipt"
    )
    # a UPD per delivery (``Delivery.receipt``): a letter to several parties has several
    letter = models.ForeignKey(
        "Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    xml = StoredBytesField(kind="receipts")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    pdf = StoredBytesField(kind="receipt-pdfs", null=True, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    pdf_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("official receipt")
        verbose_name_plural = _("official receipts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="UPP", submission__isnull=False, letter__isnull=True)
                    | models.Q(kind="UPD", submission__isnull=True, letter__isnull=False)
                ),
                name="documents_receipt_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def has_pdf(self) -> bool:
        """The PDF was rendered (known from the row, without reading the PDF)."""
        return is_stored(self, "pdf")
