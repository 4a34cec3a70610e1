"""CPD manages the FAQ, the status notices and the answer templates in the admin."""

from django.contrib import admin

from .models import AnswerTemplate, FaqEntry, StatusNotice


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "position", "published")
    list_editable = ("position", "published")


@admin.register(StatusNotice)
class StatusNoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "ends_at", "resolved_at")
    list_filter = ("kind",)


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin):
    list_display = ("title",)
