"""Deadline records of a case (KPA): excluded periods, calls to supplement, notices of delay,
complaints about delay. The case's ``deadline`` column is derived from them by
``documents.services.deadlines`` and swept by beat; nothing here computes a date."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SuspensionBasis(models.TextChoices):
    SUSPENSION = "art_97_98", _("suspension of the proceedings (KPA art. 97–98)")
    PARTY = "art_35_5_party", _("time for the party or delay caused by it (KPA art. 35 § 5)")
    EXPERT = "art_35_5_expert", _("waiting for an expert opinion (KPA art. 35 § 5)")
    SUPPLEMENT = "art_64_2", _("call to supplement (KPA art. 64 § 2)")


class CaseSuspension(models.Model):
    """Days on which the case's clock stands still, both ends included; open while no end."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="suspensions")
    basis = models.CharField(_("basis"), max_length=20, choices=SuspensionBasis.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("excluded period")
        verbose_name_plural = _("excluded periods")
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="documents_suspension_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.basis} {self.started_on}–{self.ended_on or ''}"


class SupplementOutcome(models.TextChoices):
    PENDING = "pending", _("waiting for the party")
    SUPPLEMENTED = "supplemented", _("supplemented")
    LEFT_UNEXAMINED = "left_unexamined", _("left unexamined")


class SupplementCall(models.Model):
    """A call to remedy a gap (art. 64 § 2): ``days`` (at least 7) from delivery of the letter;
    ``due_on`` stays empty until delivery is known."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="supplement_calls")
    letter = models.OneToOneField(
        "Letter", on_delete=models.PROTECT, related_name="supplement_call"
    )
    suspension = models.OneToOneField(
        CaseSuspension, on_delete=models.PROTECT, related_name="supplement_call"
    )
    days = models.PositiveSmallIntegerField(_("days from delivery"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    due_on = models.DateField(_("supplement due"), null=True, blank=True, db_index=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=SupplementOutcome.choices,
        default=SupplementOutcome.PENDING,
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("term passed (flagged at)"), null=True, blank=True)

    class Meta:
        verbose_name = _("call to supplement")
        verbose_name_plural = _("calls to supplement")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=7), name="documents_supplement_7_days")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome} {self.due_on or '?'}"


class DelayPrompt(models.Model):
    """A flag for the handler: this deadline is near, send a notice of delay (art. 36) if the
    case will not be dealt with by then. One per case and deadline (the sweep is idempotent)."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="delay_prompts")
    deadline = models.DateField()
    prompted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "deadline"], name="documents_delay_prompt")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.deadline}"


class DelayNotice(models.Model):
    """A notice of delay (art. 36) sent to the party, with the reasons and the new date."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="delay_notices")
    letter = models.OneToOneField("Letter", on_delete=models.PROTECT, related_name="delay_notice")
    previous_deadline = models.DateField(null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"))
    reasons = models.TextField(_("reasons"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.new_deadline}"


class ComplaintKind(models.TextChoices):
    INACTION = "inaction", _("inaction (the deadline has passed)")
    PROTRACTION = "protraction", _("protracted proceedings")


class DelayComplaint(models.Model):
    """A complaint about delay (ponaglenie, art. 37), filed by a party through this office, which
    forwards it to the higher body with its position within 7 days (``forward_due``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="delay_complaints")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    reasons = models.TextField(_("reasons"))
    forward_due = models.DateField(_("forward by"), db_index=True)
    higher_body = models.CharField(_("higher body"), max_length=300, blank=True)
    position = models.TextField(_("the office's position"), blank=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_at = models.DateTimeField(_("forwarding overdue (flagged at)"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint about delay")
        verbose_name_plural = _("complaints about delay")
        ordering = ["forward_due", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.forward_due}"
