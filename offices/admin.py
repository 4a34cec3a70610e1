"""Django admin for the registry.

CPD admins (superusers) manage everything; an office admin sees and changes only the office
they hold the ``manage_office`` object permission for (django-guardian, direct FK model).
Every save and delete goes through ``offices.services`` so it is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sekap.accounts.models import User, UserKind
from sekap.errors import NotAllowed

from . import services
from .identity import identity_unchanged, office_identity_change, office_identity_current
from .models import DayOff, Department, Deputy, Office, OfficeIdentity, Service, StaffMembership
from .selectors import is_cpd_admin, offices_managed_by, user_manages_office


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through the registry services; scope by managed offices."""

    office_path = "office"

    def _managed(self, request):
        return offices_managed_by(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.office_path}__in": self._managed(request)})

    def _office_of(self, obj) -> Office:
        return obj if isinstance(obj, Office) else obj.office

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or self._managed(request).exists()
        )

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return user_manages_office(request.user, self._office_of(obj))

    has_change_permission = has_view_permission

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office" and not request.user.is_superuser:
            kwargs["queryset"] = self._managed(request)
        if db_field.name in ("user", "principal", "deputy"):
            kwargs["queryset"] = User.objects.filter(kind=UserKind.STAFF).order_by("email")
        if db_field.name == "department" and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(office__in=self._managed(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not user_manages_office(request.user, self._office_of(obj)):
            raise PermissionDenied
        before = (
            services.snapshot(form.instance.__class__.objects.get(pk=obj.pk)) if change else None
        )
        services.registry_save(actor=request.user, obj=obj, before=before)

    def delete_model(self, request, obj) -> None:
        services.registry_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            services.registry_delete(actor=request.user, obj=obj)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ("symbol", "name", "is_active")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class IdentityInline(admin.TabularInline):
    """The versions of the office's name and address, newest first (read-only history)."""

    model = OfficeIdentity
    fk_name = "office"
    extra = 0
    fields = ("valid_from", "official_name", "organ_name", "name_verified", "contact_verified")
    readonly_fields = fields
    ordering = ("-valid_from",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Office)
class OfficeAdmin(AuditedAdmin):
    office_path = "pk"
    list_display = ("name", "terc", "kind", "seat", "esp_address")
    list_filter = ("kind",)
    search_fields = ("name", "terc", "seat", "search_text")
    readonly_fields = ("name_and_address",)
    inlines = [IdentityInline, DepartmentInline]

    @admin.display(description=_("name and address"))
    def name_and_address(self, obj: Office) -> str:
        if obj.pk is None:
            return "–"
        url = reverse("admin:offices_officeidentity_add") + f"?office={obj.pk}"
        return format_html(
            '{} <a href="{}">{}</a>',
            obj.name,
            url,
            _("Change the name, organ or address (makes a new version)"),
        )

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self._managed(request))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "terc", "kind", "unit", "gmina_type", "powiat")

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("symbol", "name", "office", "is_active")
    list_filter = ("is_active",)
    search_fields = ("symbol", "name", "office__name")
    list_select_related = ("office",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(AuditedAdmin):
    """Office admins manage their office's staff, but not the CA operator and CPD roles.

    The service (``services.check_role_change``) refuses those changes; the form does not offer
    them, and memberships holding them are read-only here for anyone but a CPD administrator.
    """

    list_display = ("user", "role", "office", "department", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__email", "user__last_name", "office__name")
    list_select_related = ("user", "office", "department")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not is_cpd_admin(request.user):
            kwargs["choices"] = [
                choice for choice in db_field.choices if choice[0] not in services.PRIVILEGED_ROLES
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.role in services.PRIVILEGED_ROLES:
            return is_cpd_admin(request.user)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.role in services.PRIVILEGED_ROLES:
            return is_cpd_admin(request.user)
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        try:
            super().save_model(request, obj, form, change)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error


@admin.register(Deputy)
class DeputyAdmin(AuditedAdmin):
    list_display = ("deputy", "principal", "office", "valid_from", "valid_to")
    list_select_related = ("deputy", "principal", "office")


@admin.register(DayOff)
class DayOffAdmin(AuditedAdmin):
    list_display = ("date", "reason", "office")
    list_select_related = ("office",)


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ("title", "office", "department", "deadline_rule", "fee_kind", "is_active")
    list_filter = ("deadline_rule", "fee_kind", "is_active", "category")
    search_fields = ("title", "office__name", "search_text")
    list_select_related = ("office", "department")


class IdentityForm(forms.ModelForm):
    class Meta:
        model = OfficeIdentity
        fields = ["office", *OfficeIdentity.CONTENT_FIELDS]

    def clean(self):
        data = super().clean()
        office = data.get("office")
        proposed = OfficeIdentity(**{f: data.get(f) for f in OfficeIdentity.CONTENT_FIELDS})
        if office is not None and identity_unchanged(office=office, version=proposed):
            raise forms.ValidationError(
                _("Nothing changed compared with the version in force."), code="unchanged"
            )
        return data


@admin.register(OfficeIdentity)
class OfficeIdentityAdmin(AuditedAdmin):
    """A change of name or address is a new version; versions in force before stay as they
    were (receipts and letters sealed under them keep naming the office that way)."""

    form = IdentityForm
    list_display = (
        "official_name",
        "organ_name",
        "office",
        "valid_from",
        "name_verified",
        "contact_verified",
        "created_by",
    )
    list_filter = ("name_verified", "contact_verified")
    search_fields = ("official_name", "organ_name", "office__terc", "office__name")
    list_select_related = ("office", "created_by")
    date_hierarchy = "valid_from"

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        office_id = request.GET.get("office", "")
        if not office_id.isdigit():
            return initial
        office = self._managed(request).filter(pk=office_id).first()
        if office is not None:
            initial.update(office_identity_current(office).content(), office=office.pk)
        return initial

    def save_model(self, request, obj, form, change) -> None:
        office_identity_change(actor=request.user, office=obj.office, version=obj)
