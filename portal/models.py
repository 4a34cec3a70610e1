"""What the portal keeps for its users: profiles, identity challenges and application drafts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sekap.datetimes import polish_datetime


class Profile(models.Model):
    """The contact address a person keeps in the portal (the sender of their applications)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_profile"
    )
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    post_office = models.CharField(_("post office"), max_length=100, blank=True)
    city = models.CharField(_("town or village"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=100, blank=True)
    building = models.CharField(_("building number"), max_length=20, blank=True)
    unit = models.CharField(_("flat number"), max_length=20, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def address(self) -> dict:
        keys = ("postal_code", "post_office", "city", "street", "building", "unit")
        return {key: getattr(self, key) for key in keys if getattr(self, key)}

    @property
    def has_address(self) -> bool:
        return bool(self.postal_code and self.city and self.building)


class IdentityChallenge(models.Model):
    """A one-time text a person signs with a certificate to prove their identity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_challenges"
    )
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identity challenge")
        verbose_name_plural = _("identity challenges")

    def __str__(self) -> str:
        return f"{self.user} {polish_datetime(self.created_at)}"


class DraftKind(models.TextChoices):
    APPLICATION = "application", _("application")
    REPLY = "reply", _("reply in a case")


class DraftStatus(models.TextChoices):
    FILLING = "filling", _("being filled in")
    READY = "ready", _("ready to sign")
    SIGNED = "signed", _("signed")
    SUBMITTED = "submitted", _("submitted")


class SignatureMethod(models.TextChoices):
    TRUSTED_PROFILE = "trusted_profile", _("SEKAP personal signature")
    UPLOADED = "uploaded", _("signed elsewhere and uploaded")
    BROWSER = "browser", _("signed in the browser with my certificate")


class Draft(models.Model):
    """An application (or a reply in a case) being filled in, signed and submitted.

    ``data`` holds the answers of the completed steps as JSON (attachments as base64);
    ``document`` is the XML frozen for signing, ``signed_document`` what is sent.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_drafts"
    )
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(max_length=12, choices=DraftKind.choices, default=DraftKind.APPLICATION)
    service = models.ForeignKey(
        "offices.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "forms_platform.FormVersion", on_delete=models.PROTECT, related_name="+"
    )
    case_id_ref = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.FILLING
    )
    data = models.JSONField(default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)
    document = models.BinaryField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    signed_document = models.BinaryField(null=True, blank=True)
    signature_method = models.CharField(max_length=16, choices=SignatureMethod.choices, blank=True)
    # Signing in the browser: the signature prepared around the user's certificate, waiting
    # for the SignatureValue the browser computes over ``pending_octets`` (SignedInfo, c14n).
    pending_signature = models.BinaryField(null=True, blank=True)
    pending_octets = models.BinaryField(null=True, blank=True)
    pending_certificate = models.ForeignKey(
        "certauth.Certificate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    submission_public_id = models.UUIDField(null=True, blank=True)
    # When the owner was told this draft will be deleted unless they come back to it (a later
    # save moves ``updated_at`` past it, so a new period and a new notice begin).
    expiry_notice_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"{self.service.title} #{self.pk}"

    @property
    def steps(self) -> list[dict]:
        return list(self.version.definition.get("steps", []))

    @property
    def resume_step(self) -> str:
        """The first step not completed yet (where "continue" takes the person back)."""
        for step in self.steps:
            if step["key"] not in self.completed_steps:
                return step["key"]
        return ""
