"""The people who use SEKAP: citizens, business representatives and office staff."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business representative")
    STAFF = "staff", _("Office staff")


class IdentityLevel(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")


class VerificationMethod(models.TextChoices):
    COUNTER = "counter", _("Identity document checked at an office counter")
    CERTIFICATE = "certificate", _("Signed challenge with a certificate")
    ADMINISTRATOR = "administrator", _("Confirmed by an administrator")
    NATIONAL_NODE = "national_node", _("National login node (login.gov.pl)")


class IdentityDocumentKind(models.TextChoices):
    """Documents a counter clerk accepts as proof of identity."""

    ID_CARD = "id_card", _("Polish identity card")
    PASSPORT = "passport", _("passport")
    RESIDENCE_CARD = "residence_card", _("residence card")
    EU_ID_CARD = "eu_id_card", _("identity card of an EU or EEA state")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, kind=UserKind.STAFF)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    kind = models.CharField(
        _("kind of account"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    # PESEL is unique among verified identities only (see Meta): anyone may type any number into
    # an unverified profile, so uniqueness there would let a stranger lock the owner out.
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True, db_index=True)
    # People without a PESEL (foreigners) are identified by the document a clerk checked.
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.CharField(
        _("nationality"), max_length=3, blank=True, help_text=_("ISO 3166-1 alpha-3 code.")
    )
    id_document_kind = models.CharField(
        _("identity document"), max_length=16, choices=IdentityDocumentKind.choices, blank=True
    )
    id_document_number = models.CharField(_("identity document number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    identity_level = models.CharField(
        _("identity level"),
        max_length=16,
        choices=IdentityLevel.choices,
        default=IdentityLevel.UNVERIFIED,
    )
    verified_by = models.ForeignKey(
        "self",
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_method = models.CharField(
        _("verification method"), max_length=16, choices=VerificationMethod.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # The eIDAS level of assurance the identity was confirmed at (national node: low,
    # substantial, high); empty for methods that do not state one.
    verified_loa = models.CharField(_("level of assurance"), max_length=16, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("May enter the administration site (with a second factor)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # When the person was told that the unused account will be deactivated (see
    # ``sekap.accounts.retention``); a later login moves ``last_login`` past it.
    inactivity_notice_at = models.DateTimeField(
        _("told of deactivation for disuse at"), null=True, blank=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["pesel"],
                condition=~models.Q(pesel="") & models.Q(identity_level="verified"),
                name="accounts_user_unique_verified_pesel",
                violation_error_message=_("Another verified account has this PESEL number."),
            ),
            models.UniqueConstraint(
                fields=["nationality", "id_document_kind", "id_document_number"],
                condition=~models.Q(id_document_number="") & models.Q(identity_level="verified"),
                name="accounts_user_unique_verified_document",
                violation_error_message=_("Another verified account has this identity document."),
            ),
            models.CheckConstraint(
                condition=models.Q(identity_level="unverified")
                | (models.Q(verified_at__isnull=False) & ~models.Q(verified_method="")),
                name="accounts_user_verified_has_method",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_identity_verified(self) -> bool:
        return self.identity_level == IdentityLevel.VERIFIED

    @property
    def needs_second_factor(self) -> bool:
        """Staff and anyone with admin access must present a TOTP code."""
        return self.kind == UserKind.STAFF or self.is_staff or self.is_superuser


class Company(models.Model):
    """A business on whose behalf representatives file (NIP, REGON, KRS)."""

    name = models.CharField(_("company name"), max_length=300)
    nip = models.CharField(_("NIP"), max_length=10, unique=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True)
    krs = models.CharField(_("KRS number"), max_length=10, blank=True)
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (NIP {self.nip})"


class RepresentationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the office's approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    REVOKED = "revoked", _("revoked")


class Representation(models.Model):
    """A person's power of attorney to act for a company, approved by an office."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="representations"
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("representative"),
        on_delete=models.PROTECT,
        related_name="representations",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RepresentationStatus.choices,
        default=RepresentationStatus.PENDING,
    )
    scope = models.CharField(_("scope of the power of attorney"), max_length=300, blank=True)
    power_of_attorney = models.FileField(_("power of attorney document"), upload_to="poa/%Y/")
    power_of_attorney_sha256 = models.CharField(max_length=64, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_office_terc = models.CharField(_("office (TERC)"), max_length=7, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="accounts_one_live_representation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"


class UserSession(AbstractBaseSession):
    """A stored session with the id of the user it is logged in as (``user_id``, written at
    every save from the session's data): a leaver's sessions are found and ended by one indexed
    query, never by decoding every live session (``services.user_sessions_end``). The table of
    ``SESSION_ENGINE = "sekap.accounts.session_db"`` and of its cached variant
    ``"sekap.accounts.session_cached_db"``."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .session_db import SessionStore

        return SessionStore
