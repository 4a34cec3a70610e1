"""Certificate authority data: CAs, profiles, requests, certificates, CRLs, timestamps.

Private keys are never stored here: a CA or a service identity holds only a ``key_ref`` that
names the key in its custody (encrypted file or PKCS#11 token, see ``certauth.keys``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    CLERK = "clerk", _("Clerk")
    SEAL = "seal", _("Office seal")
    SERVICE = "service", _("CA service")


class Profile(models.Model):
    """A certificate profile; rows are data (created by a data migration, editable by admins)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    key_usage = models.JSONField(_("key usage"), default=list)
    extended_key_usage = models.JSONField(_("extended key usage OIDs"), default=list, blank=True)
    extended_key_usage_critical = models.BooleanField(
        _("extended key usage marked critical"), default=False
    )
    ocsp_nocheck = models.BooleanField(_("OCSP no-check extension"), default=False)
    allowed_key_types = models.JSONField(_("allowed key types"), default=list)
    validity_days = models.PositiveIntegerField(_("validity (days)"))
    policy_oids = models.JSONField(_("certificate policy OIDs"), default=list, blank=True)
    four_eyes = models.BooleanField(
        _("four-eyes control"),
        default=False,
        help_text=_(
            "An operator's revocation, suspension or release of a certificate of this profile "
            "takes effect only when a second person approves it."
        ),
    )
    self_service = models.BooleanField(_("citizens may request it in the portal"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("certificate profile")
        verbose_name_plural = _("certificate profiles")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class CertificateAuthority(models.Model):
    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    certificate_der = models.BinaryField()
    key_ref = models.CharField(max_length=200)
    key_type = models.CharField(max_length=16)
    subject = models.CharField(max_length=500)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    # OCSP CertID lookup (RFC 6960 §4.1.1): hashes of the issuer name and key, hex.
    name_sha1 = models.CharField(max_length=40)
    key_sha1 = models.CharField(max_length=40, db_index=True)
    name_sha256 = models.CharField(max_length=64)
    key_sha256 = models.CharField(max_length=64, db_index=True)
    # CRL numbering (one sequence for full and delta CRLs, RFC 5280 §5.2.3).
    crl_number = models.BigIntegerField(default=0)
    status_seq = models.BigIntegerField(default=0, help_text="last revocation status change")
    delta_base_number = models.BigIntegerField(null=True, blank=True)
    delta_base_seq = models.BigIntegerField(default=0)
    delta_base_at = models.DateTimeField(null=True, blank=True)
    crl_next_update = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")
        permissions = [
            ("operate_ra", "May approve and revoke certificates (registration authority)"),
            ("administer_ca", "May use the CA console"),
        ]

    def __str__(self) -> str:
        return self.name


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    ON_HOLD = "on_hold", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class RevocationReason(models.TextChoices):
    # Names follow cryptography.x509.ReasonFlags; codes are RFC 5280 §5.3.1.
    UNSPECIFIED = "unspecified", _("Unspecified")
    KEY_COMPROMISE = "key_compromise", _("Key compromise")
    CA_COMPROMISE = "ca_compromise", _("CA compromise")
    AFFILIATION_CHANGED = "affiliation_changed", _("Affiliation changed")
    SUPERSEDED = "superseded", _("Superseded")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("Cessation of operation")
    CERTIFICATE_HOLD = "certificate_hold", _("Certificate hold (suspension)")
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn", _("Privilege withdrawn")


REASON_CODES = {
    "unspecified": 0,
    "key_compromise": 1,
    "ca_compromise": 2,
    "affiliation_changed": 3,
    "superseded": 4,
    "cessation_of_operation": 5,
    "certificate_hold": 6,
    "remove_from_crl": 8,
    "privilege_withdrawn": 9,
}


class CertificateRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for identity check")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        BROWSER = "browser", _("Key generated in the browser")
        UPLOAD = "upload", _("Uploaded CSR")

    profile = models.ForeignKey(Profile, on_delete=models.PROTECT)
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_requests",
    )
    office_terc = models.CharField(max_length=7, blank=True)
    office_name = models.CharField(max_length=200, blank=True)
    csr_der = models.BinaryField()
    key_type = models.CharField(max_length=16)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate request")
        verbose_name_plural = _("certificate requests")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "profile", "office_terc"],
                condition=models.Q(status="pending"),
                name="certauth_one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.profile.slug}"


class Certificate(models.Model):
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="issued")
    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.PROTECT)
    request = models.OneToOneField(
        CertificateRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    serial_hex = models.CharField(max_length=40)
    subject = models.CharField(max_length=500)
    common_name = models.CharField(max_length=200)
    office_terc = models.CharField(max_length=7, blank=True)
    # The registration-authority area: the office through which the holder was enrolled. Its
    # operators may revoke, suspend and release the certificate; empty means CPD admins only.
    ra_office_terc = models.CharField(max_length=7, blank=True)
    # The custody reference of a key the platform holds for this certificate (seals).
    key_ref = models.CharField(max_length=200, blank=True)
    key_type = models.CharField(max_length=16)
    der = models.BinaryField()
    sha256 = models.CharField(max_length=64, unique=True)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    is_ca = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(
        max_length=32, choices=RevocationReason.choices, blank=True
    )
    hold_released_at = models.DateTimeField(null=True, blank=True)
    status_seq = models.BigIntegerField(default=0)
    # The encoded CRL entry while revoked or on hold: CRLs are a join of these bytes.
    crl_entry = models.BinaryField(null=True, blank=True)
    # Pre-signed OCSP response (CertID with SHA-1, no nonce), dropped on every status change.
    ocsp_response = models.BinaryField(null=True, blank=True)
    ocsp_refresh_after = models.BigIntegerField(null=True, blank=True, help_text="epoch seconds")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["ca", "serial_hex"], name="certauth_unique_serial"),
        ]
        indexes = [models.Index(fields=["ca", "status_seq"])]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial_hex})"


class RevocationRequest(models.Model):
    """A status change of a critical certificate, waiting for a second person (four eyes)."""

    class Action(models.TextChoices):
        REVOKE = "revoke", _("Revoke or suspend")
        RELEASE = "release", _("Release from suspension")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second approval")
        APPROVED = "approved", _("Approved and carried out")
        REJECTED = "rejected", _("Rejected")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="revocation_requests"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=32, choices=RevocationReason.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("revocation request")
        verbose_name_plural = _("revocation requests")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(status="pending"),
                name="certauth_one_pending_revocation",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.certificate_id}"


class ServiceIdentity(models.Model):
    """The OCSP responder and TSA keys with their certificates (issued by the issuing CA)."""

    class Kind(models.TextChoices):
        OCSP = "ocsp", _("OCSP responder")
        TSA = "tsa", _("Time-stamping unit")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    certificate = models.OneToOneField(Certificate, on_delete=models.PROTECT, related_name="+")
    key_ref = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "ca"],
                condition=models.Q(is_active=True),
                name="certauth_one_active_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_ref}"


class Crl(models.Model):
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="crls")
    number = models.BigIntegerField()
    base_number = models.BigIntegerField(null=True, blank=True, help_text="set for delta CRLs")
    this_update = models.DateTimeField()
    next_update = models.DateTimeField()
    entries = models.PositiveIntegerField()
    der = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ca", "number"], name="certauth_unique_crl_number")
        ]
        indexes = [models.Index(fields=["ca", "base_number", "-number"])]

    def __str__(self) -> str:
        return f"{self.ca_id}#{self.number}"

    @property
    def is_delta(self) -> bool:
        return self.base_number is not None


class TimestampRecord(models.Model):
    serial_hex = models.CharField(max_length=40, unique=True)
    gen_time = models.DateTimeField()
    hash_algorithm = models.CharField(max_length=16)
    imprint_hex = models.CharField(max_length=128)
    policy = models.CharField(max_length=200)
    # The TSA's own log (not the audit chain): what was asked, and by whom.
    request_sha256 = models.CharField(max_length=64, blank=True, default="")
    requester_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return self.serial_hex
