"""Administrative decisions (KPA art. 107 § 1) and appeals against them (art. 127–133).

A decision is drafted from a template, approved by the head of the department, signed by an
authorised official and dispatched as a sealed letter (``letter``: the XML, stored once with its
SHA-256); its PDF is rendered off the request path and stored once with its SHA-256. After
delivery the appeal period runs; ``final_due_at`` is the moment the beat sweep makes the
decision final unless a party has appealed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField

# The seed form on which a party files an appeal (forms_platform/seed/26-odwolanie.json).
APPEAL_FORM = "odwolanie"


class SignatureKind(models.TextChoices):
    SEAL = "seal", _("the office seal")
    PERSONAL = "personal", _("the official's SEKAP certificate")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVAL = "approval", _("awaiting approval")
    APPROVED = "approved", _("approved")
    SIGNED = "signed", _("signed")
    DISPATCHED = "dispatched", _("dispatched")
    DELIVERED = "delivered", _("delivered")
    APPEALED = "appealed", _("appealed")
    FINAL = "final", _("final")


class Decision(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("Case", on_delete=models.PROTECT, related_name="decision")
    template_version = models.ForeignKey(
        "LetterTemplateVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    # the elements of KPA art. 107 § 1
    title = models.CharField(_("title"), max_length=300)
    organ = models.CharField(_("organ"), max_length=255)
    parties = models.JSONField(_("parties"), default=list)  # [{"name": ..., "address": ...}]
    legal_basis = models.TextField(_("legal basis"))
    ruling = models.TextField(_("ruling"))
    reasons = models.TextField(_("reasons"))
    appeal_body = models.CharField(_("appeal body"), max_length=300)
    appeal_days = models.PositiveSmallIntegerField(_("appeal period (days)"), default=14)
    seal_allowed = models.BooleanField(default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=200, blank=True)
    signer_position = models.CharField(_("position"), max_length=200, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    signature_kind = models.CharField(
        _("signed with"), max_length=10, choices=SignatureKind.choices, blank=True
    )
    signer_certificate = models.ForeignKey(
        "certauth.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Signing with the official's own certificate: the decision XML prepared for one signer
    # (their name, position and the time fixed), the letter id it carries, and, while the
    # browser signs it, the signature around it with a placeholder value and the octets to sign.
    to_sign = models.BinaryField(null=True, blank=True)
    to_sign_sha256 = models.CharField(max_length=64, blank=True)
    to_sign_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_sign_letter = models.UUIDField(null=True, blank=True)
    pending_signature = models.BinaryField(null=True, blank=True)
    pending_octets = models.BinaryField(null=True, blank=True)
    pending_certificate = models.ForeignKey(
        "certauth.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter = models.OneToOneField(
        "Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="decision"
    )
    pdf = StoredBytesField(kind="decision-pdfs", null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    appeal_until = models.DateField(_("appeal possible until"), null=True, blank=True)
    final_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    final_at = models.DateTimeField(_("final since"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.title


class Appeal(models.Model):
    """A party's appeal: a signed filing on the appeal form, registered in the office's RPW
    (``submission``, with its UPP), forwarded with the case file to the appeal body."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    submission = models.OneToOneField(
        "Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="appeal"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    # the structured body (KPA art. 128): what is challenged, the demands, the grounds
    challenged = models.TextField(_("what is challenged"), blank=True)
    demands = models.TextField(_("demands"), blank=True)
    grounds = models.TextField(_("grounds"), blank=True)
    text = models.TextField(_("appeal"), blank=True)  # appeals filed as free text before
    sha256 = models.CharField(max_length=64)
    appeal_body = models.CharField(_("appeal body"), max_length=300)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    # the case file as forwarded: [{"kind", "title", "id", "sha256"}]
    file_manifest = models.JSONField(default=list)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at"]

    def __str__(self) -> str:
        return f"{self.decision} ({self.filed_at:%Y-%m-%d})"
