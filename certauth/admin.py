from django.contrib import admin

from .models import Profile
from .services.profiles import profile_delete, profile_save


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Profiles are data; administrators may tune validity, key types and policies.
    Every save and delete goes through ``certauth.services.profiles`` so it is audited."""

    list_display = ("slug", "name", "subject_kind", "validity_days", "four_eyes", "is_active")
    readonly_fields = ("slug", "subject_kind")

    def save_model(self, request, obj, form, change) -> None:
        profile_save(actor=request.user, profile=obj)

    def delete_model(self, request, obj) -> None:
        profile_delete(actor=request.user, profile=obj)

    def delete_queryset(self, request, queryset) -> None:
        for profile in queryset:
            profile_delete(actor=request.user, profile=profile)
