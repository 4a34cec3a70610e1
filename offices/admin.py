"""Django admin for the registry.

CPD admins (superusers) manage everything; an office admin sees and changes only the office
they hold the ``manage_office`` object permission for (django-guardian, direct FK model).
Every save and delete goes through ``offices.services`` so it is audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from sekap.accounts.models import User, UserKind

from . import services
from .models import DayOff, Department, Deputy, Office, Service, StaffMembership
from .selectors import offices_managed_by, user_manages_office


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


@admin.register(Office)
class OfficeAdmin(AuditedAdmin):
    office_path = "pk"
    list_display = ("name", "terc", "kind", "seat", "esp_address")
    list_filter = ("kind",)
    search_fields = ("name", "terc", "seat", "search_text")
    inlines = [DepartmentInline]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self._managed(request))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("terc", "kind", "unit", "gmina_type", "powiat")

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
    list_display = ("user", "role", "office", "department", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__email", "user__last_name", "office__name")
    list_select_related = ("user", "office", "department")


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
