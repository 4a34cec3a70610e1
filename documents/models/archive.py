"""Closing and archiving: the result of a closed case with its archival category and retention
(from the JRWA class), the transfer lists (spis zdawczo-odbiorczy) to the office archive, and
destruction proposals for expired non-archival files. Nothing here deletes a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseResult(models.TextChoices):
    DECIDED = "decided", _("dealt with (decision or other act)")
    LEFT_UNEXAMINED = "left_unexamined", _("left unexamined")
    DISCONTINUED = "discontinued", _("proceedings discontinued")
    TRANSFERRED = "transferred", _("transferred to the competent body")
    WITHDRAWN = "withdrawn", _("withdrawn by the party")


class CaseClosure(models.Model):
    """How and when a case was closed, and how long its file is kept."""

    case = models.OneToOneField("Case", on_delete=models.PROTECT, related_name="closure")
    result = models.CharField(_("result"), max_length=20, choices=CaseResult.choices)
    closed_on = models.DateField(_("closed on"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    jrwa_heading = models.CharField(_("JRWA heading"), max_length=300)
    archival_category = models.CharField(_("archival category"), max_length=8)
    # None: kept permanently (A) -- never proposed for destruction
    retention_until = models.DateField(_("kept until"), null=True, blank=True, db_index=True)
    transfer_list = models.ForeignKey(
        "TransferList", null=True, blank=True, on_delete=models.PROTECT, related_name="closures"
    )
    destruction_proposal = models.ForeignKey(
        "DestructionProposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="closures",
    )

    class Meta:
        verbose_name = _("case closure")
        verbose_name_plural = _("case closures")

    def __str__(self) -> str:
        return f"{self.case_id} {self.result} {self.archival_category}"


class TransferList(models.Model):
    """A spis zdawczo-odbiorczy: closed files a department hands to the office archive."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("offices.Department", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    closed_until = models.DateField(_("files closed until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer list")
        verbose_name_plural = _("transfer lists")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="documents_transfer_list_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("waiting for a decision")
    APPROVED = "approved", _("destruction approved by the state archive")
    REJECTED = "rejected", _("rejected: files are kept")


class DestructionProposal(models.Model):
    """A list of expired non-archival files (B) proposed for destruction (brakowanie). The
    decision (the state archive's consent) is recorded; files are never deleted here."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    as_of = models.DateField(_("expired by"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("destruction proposal")
        verbose_name_plural = _("destruction proposals")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="documents_destruction_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"
