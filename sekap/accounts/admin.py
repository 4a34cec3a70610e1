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


# django-otp's model declares its field names and help texts as plain English strings, which no
# translation catalogue can reach; the admin shows these instead (labels, column headers,
# filter titles and section names), so the Polish admin has no English left on this page.
TOTP_LABELS = {
    "user": (_("user"), _("The person whose device this is.")),
    "name": (_("device name"), _("A name that tells the person's devices apart.")),
    "confirmed": (_("ready for use"), _("The device has shown a correct code and may be used.")),
    "created_at": (_("added at"), ""),
    "last_used_at": (_("last used at"), ""),
    "key": (_("secret key"), _("The shared secret in hexadecimal (at most 40 bytes).")),
    "step": (_("time step (seconds)"), ""),
    "t0": (_("start of counting (Unix time)"), ""),
    "digits": (_("digits in a code"), ""),
    "tolerance": (_("tolerance (time steps)"), _("How many steps early or late a code may be.")),
    "drift": (_("clock drift (time steps)"), ""),
    "last_t": (_("time step of the last code"), ""),
    "throttling_failure_timestamp": (_("last wrong code at"), ""),
    "throttling_failure_count": (_("wrong codes in a row"), ""),
}
TOTP_SECTIONS = {
    "Identity": _("Device"),
    "Timestamps": _("Dates"),
    "Configuration": _("Configuration"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}


def _totp_column(field: str):
    @admin.display(description=TOTP_LABELS[field][0], ordering=field, boolean=field == "confirmed")
    def column(obj):
        return getattr(obj, field)

    column.__name__ = f"column_{field}"
    return column


def _titled(base: type[admin.FieldListFilter], field: str) -> type[admin.FieldListFilter]:
    class Titled(base):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.title = TOTP_LABELS[field][0]

    return Titled


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    """django-otp's device admin, with every change in the audit trail, in the UI language."""

    list_display = [_totp_column(f) for f in ("user", "name", "created_at", "last_used_at")] + [
        _totp_column("confirmed")
    ]
    list_filter = [
        ("created_at", _titled(admin.DateFieldListFilter, "created_at")),
        ("last_used_at", _titled(admin.DateFieldListFilter, "last_used_at")),
        ("confirmed", _titled(admin.BooleanFieldListFilter, "confirmed")),
    ]

    @admin.display(description=_("QR code"))
    def qrcode_link(self, device):
        return super().qrcode_link(device)

    def get_list_display(self, request):
        return [
            column if column != "qrcode_link" else self.qrcode_link
            for column in super().get_list_display(request)
        ]

    readonly_fields = ["added_at", "used_at", "qrcode_link"]
    READONLY = {"created_at": "added_at", "last_used_at": "used_at"}

    @admin.display(description=TOTP_LABELS["created_at"][0])
    def added_at(self, device):
        return device.created_at

    @admin.display(description=TOTP_LABELS["last_used_at"][0])
    def used_at(self, device):
        return device.last_used_at

    def get_fieldsets(self, request, obj=None):
        return [
            (
                TOTP_SECTIONS.get(name, name) if name else None,
                {**options, "fields": [self.READONLY.get(f, f) for f in options["fields"]]},
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        for name, field in form.base_fields.items():
            if name in TOTP_LABELS:
                field.label, field.help_text = TOTP_LABELS[name]
        return form

    def save_model(self, request, obj, form, change) -> None:
        totp_device_admin_save(actor=request.user, device=obj)

    def delete_model(self, request, obj) -> None:
        totp_device_delete(actor=request.user, device=obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for device in queryset.select_related("user"):
                totp_device_delete(actor=request.user, device=device)
