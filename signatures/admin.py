from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from signatures import services
from signatures.models import BatchItem, TrustedCertificate, TrustedListImport, ValidationBatch


class TrustedCertificateForm(forms.ModelForm):
    upload = forms.FileField(label=_("Certificate file (PEM or DER)"), required=False)

    class Meta:
        model = TrustedCertificate
        fields = ["label", "active"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("upload"):
            raise forms.ValidationError(_("Upload the certificate."))
        return cleaned


@admin.register(TrustedCertificate)
class TrustedCertificateAdmin(admin.ModelAdmin):
    form = TrustedCertificateForm
    list_display = ["label", "subject", "not_after", "source", "territory", "active"]
    list_filter = ["source", "territory", "active"]
    search_fields = ["label", "subject", "sha256"]
    readonly_fields = [
        "sha256",
        "subject",
        "not_before",
        "not_after",
        "source",
        "service_type",
        "territory",
        "tl_qualifiers",
        "tl_additional",
        "created_at",
    ]

    def save_model(self, request, obj, form, change) -> None:
        upload = form.cleaned_data.get("upload")
        if upload:
            row = services.trusted_certificate_add(
                certificate=upload.read(), label=form.cleaned_data["label"], actor=request.user
            )
            obj.pk = row.pk
            obj.refresh_from_db()
            return
        if change:
            services.trusted_certificate_update(
                certificate=obj,
                label=form.cleaned_data["label"],
                active=form.cleaned_data["active"],
                actor=request.user,
            )

    def delete_model(self, request, obj) -> None:
        # Anchors are never deleted (audit trail); they are deactivated.
        services.trusted_certificate_deactivate(certificate=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrustedListImport)
class TrustedListImportAdmin(admin.ModelAdmin):
    list_display = [
        "territory",
        "sequence_number",
        "issue_date_time",
        "certificates_imported",
        "imported_at",
    ]
    readonly_fields = [f.name for f in TrustedListImport._meta.fields]


class BatchItemInline(admin.TabularInline):
    model = BatchItem
    fields = ["name", "indication", "sub_indication", "validated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ValidationBatch)
class ValidationBatchAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "status",
        "progress",
        "passed",
        "failed",
        "indeterminate",
        "created_at",
    ]
    readonly_fields = [
        "status", "total", "processed", "passed", "failed", "indeterminate", "revocation_fetches",
        "created_at", "finished_at",
    ]  # fmt: skip
    inlines = [BatchItemInline]
    actions = ["resume"]

    @admin.action(description=_("Resume validation of the selected batches"))
    def resume(self, request, queryset) -> None:
        from signatures.tasks import validate_batch

        for batch in queryset.exclude(status=ValidationBatch.Status.DONE):
            validate_batch.delay(batch_id=batch.pk)

    @admin.display(description=_("progress"))
    def progress(self, obj: ValidationBatch) -> str:
        return f"{obj.processed}/{obj.total} ({obj.progress_percent}%)"
