from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .models import User
from .services import (
    api_token_issue,
    api_token_revoke,
    password_changed,
    totp_device_admin_save,
    totp_device_delete,
    user_admin_save,
    user_snapshot,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "kind", "identity_level", "is_active")
    list_filter = ("kind", "identity_level", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("verified_by", "verified_method", "verified_at", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "pesel", "phone", "kind")}),
        (
            _("Identity"),
            {"fields": ("identity_level", "verified_by", "verified_method", "verified_at")},
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "kind", "password1", "password2")}),
    )

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        before = user_snapshot(User.objects.get(pk=obj.pk)) if change else None
        user_admin_save(actor=request.user, user=obj, before=before)

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the form itself; the audit entry is written from ``log_change``,
        # which it calls only after a successful change, in the same transaction.
        request.sekap_password_form = True
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if getattr(request, "sekap_password_form", False):
            password_changed(actor=request.user, user=obj, channel="admin")
        return entry


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(BaseTokenAdmin):
    """DRF's token admin, with every issue and revocation in the audit trail."""

    def save_model(self, request, obj, form, change) -> None:
        api_token_issue(actor=request.user, user=obj.user, token=obj)

    def delete_model(self, request, obj) -> None:
        api_token_revoke(actor=request.user, token=obj)


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    """django-otp's device admin, with every change in the audit trail."""

    def save_model(self, request, obj, form, change) -> None:
        totp_device_admin_save(actor=request.user, device=obj)

    def delete_model(self, request, obj) -> None:
        totp_device_delete(actor=request.user, device=obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for device in queryset.select_related("user"):
                totp_device_delete(actor=request.user, device=device)
