"""The registry: offices, their departments, staff, deputies and days off."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from sekap.text import search_key

from ..validators import terc_errors, validate_department_symbol, validate_polish_iban


class OfficeKind(models.TextChoices):
    VOIVODESHIP = "voivodeship", _("Voivodeship")
    CITY_COUNTY = "city_county", _("City with county rights")
    COUNTY = "county", _("County")
    MUNICIPALITY = "municipality", _("Municipality")


class GminaType(models.TextChoices):
    URBAN = "1", _("urban municipality")
    RURAL = "2", _("rural municipality")
    URBAN_RURAL = "3", _("urban-rural municipality")


class Office(models.Model):
    terc = models.CharField(_("TERC code"), max_length=7, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OfficeKind.choices)
    unit = models.CharField(_("local-government unit"), max_length=200)
    # The official name of the current identity version, kept here by the one writer
    # (``offices.services.office_identity_change``) for ordering, search and display.
    name = models.CharField(_("office name"), max_length=255, editable=False)
    office_type = models.CharField(_("type of office"), max_length=120)
    gmina_type = models.CharField(
        _("municipality type"), max_length=1, choices=GminaType.choices, blank=True
    )
    powiat = models.CharField(_("county"), max_length=120, blank=True)
    seat = models.CharField(_("seat"), max_length=120)
    identity = models.OneToOneField(
        "OfficeIdentity",
        verbose_name=_("current name and address"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    esp_address = models.CharField(_("ESP address"), max_length=120, unique=True)
    ade_address = models.CharField(_("e-Delivery address"), max_length=60, blank=True)
    fee_iban = models.CharField(
        _("fee bank account (IBAN)"), max_length=34, blank=True, validators=[validate_polish_iban]
    )
    show_clerk_names = models.BooleanField(_("show clerks' names to applicants"), default=False)
    decision_seal_allowed = models.BooleanField(
        _("decisions may bear the office seal"),
        default=True,
        help_text=_(
            "Off: every decision is signed by the authorised official with their own SEKAP "
            "certificate."
        ),
    )
    search_text = models.TextField(_("search text"), editable=False, default="")

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        permissions = [("manage_office", _("Manage the office's departments and staff"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_key(
            " ".join([self.name, self.unit, self.seat, self.powiat, self.terc])
        )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = terc_errors(self.terc, self.kind, self.gmina_type)
        if errors:
            raise ValidationError({"terc": errors})


_POSTAL_CODE = RegexValidator(r"^\d{2}-\d{3}$", _("Enter the postal code as NN-NNN."))


class OfficeIdentity(models.Model):
    """One version of an office's official name, its organ and its contact data.

    Rows are never changed: a change is a new row valid from the moment it was made, so a
    receipt or letter sealed earlier keeps naming the office as it was named then. The
    ``*_verified`` flags say whether the data was confirmed from an official source or by
    the office; unconfirmed data is shown as such.
    """

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="identities"
    )
    valid_from = models.DateTimeField(_("valid from"), editable=False)
    official_name = models.CharField(_("official name of the office"), max_length=255)
    organ_name = models.CharField(
        _("name of the organ"),
        max_length=255,
        help_text=_("Who decides, e.g. Prezydent Miasta Gliwice, Starosta Będziński."),
    )
    name_verified = models.BooleanField(_("names confirmed"), default=False)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=6, blank=True, validators=[_POSTAL_CODE]
    )
    city = models.CharField(_("town (post office)"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    contact_verified = models.BooleanField(_("address and contact data confirmed"), default=False)
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("Where the data was confirmed.")
    )
    from_seed = models.BooleanField(_("from the seed data"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("office name and address version")
        verbose_name_plural = _("office name and address versions")
        ordering = ["office", "-valid_from"]
        get_latest_by = "valid_from"
        constraints = [
            models.UniqueConstraint(
                fields=["office", "valid_from"], name="offices_identity_one_per_moment"
            )
        ]

    CONTENT_FIELDS = (
        "official_name",
        "organ_name",
        "name_verified",
        "street",
        "postal_code",
        "city",
        "phone",
        "email",
        "opening_hours",
        "contact_verified",
        "source",
    )

    def __str__(self) -> str:
        return self.official_name

    def content(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in self.CONTENT_FIELDS}

    @property
    def postal_address(self) -> str:
        """``ul. Zwycięstwa 21, 44-100 Gliwice``, or as much of it as is known."""
        town = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (self.street, town) if part)


class OfficeUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Office, on_delete=models.CASCADE)


class OfficeGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Office, on_delete=models.CASCADE)


class Department(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=200)
    symbol = models.CharField(
        _("case-sign symbol"), max_length=10, validators=[validate_department_symbol]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["office", "symbol"]
        constraints = [
            models.UniqueConstraint(fields=["office", "symbol"], name="offices_department_symbol")
        ]

    def __str__(self) -> str:
        return f"{self.symbol} – {self.name}"


class StaffRole(models.TextChoices):
    REGISTRY_CLERK = "registry_clerk", _("Registry clerk")
    CLERK = "clerk", _("Clerk")
    HEAD = "head", _("Head of department")
    SIGNER = "signer", _("Authorised to sign decisions")
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    CA_OPERATOR = "ca_operator", _("CA operator")
    ARCHIVIST = "archivist", _("Office archivist")
    FINANCE = "finance", _("Finance clerk (fees and bank statements)")
    CPD_ADMIN = "cpd_admin", _("Data-centre (CPD) administrator")


class StaffMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    position = models.CharField(
        _("position"),
        max_length=200,
        blank=True,
        help_text=_("As written in the case history, e.g. Inspektor, Kierownik Referatu."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office", "role"],
                condition=models.Q(department__isnull=True),
                name="offices_membership_office_role",
            ),
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=models.Q(department__isnull=False),
                name="offices_membership_department_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.office})"

    def clean(self) -> None:
        if self.department_id and self.department.office_id != self.office_id:
            raise ValidationError({"department": _("The department belongs to another office.")})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class Deputy(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="deputies"
    )
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stands in for"),
        on_delete=models.PROTECT,
        related_name="deputised_by",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="deputy_for",
    )
    valid_from = models.DateTimeField(_("from"))
    valid_to = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gt=models.F("valid_from")),
                name="offices_deputy_period",
            ),
            models.CheckConstraint(
                condition=~models.Q(principal=models.F("deputy")), name="offices_deputy_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.principal}"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("The end must come after the start.")})
        if self.principal_id and self.principal_id == self.deputy_id:
            raise ValidationError({"deputy": _("A person cannot stand in for themselves.")})


class DayOff(models.Model):
    """An office-specific day off (public holidays come from the `holidays` package)."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="days_off"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("office day off")
        verbose_name_plural = _("office days off")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="offices_dayoff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.reason}"
