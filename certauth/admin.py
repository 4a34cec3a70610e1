from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Profiles are data; administrators may tune validity, key types and policies."""

    list_display = ("slug", "name", "subject_kind", "validity_days", "four_eyes", "is_active")
    readonly_fields = ("slug", "subject_kind")
