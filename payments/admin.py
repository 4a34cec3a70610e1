"""Admin for CPD administrators: the tariff, exemptions, fee rules and fee accounts are
editable (every change audited); orders, payments and notifications are read-only records."""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from sekap import audit

from .models import (
    Exemption,
    FeeAccount,
    FeeRule,
    GatewayNotification,
    Payment,
    PaymentOrder,
    TariffItem,
)


class CpdAdmin(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"payments.{obj._meta.model_name}_{'changed' if change else 'added'}",
            target=obj,
            after={k: str(v) for k, v in model_to_dict(obj).items()},
        )

    def delete_model(self, request, obj) -> None:
        audit.record(
            actor=request.user, action=f"payments.{obj._meta.model_name}_deleted", target=obj
        )
        super().delete_model(request, obj)


class RecordAdmin(CpdAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(TariffItem)
class TariffItemAdmin(CpdAdmin):
    list_display = ["code", "subject", "amount_grosze", "fee_type", "valid_from", "valid_to"]
    list_filter = ["fee_type", "to_verify"]
    search_fields = ["code", "subject"]


@admin.register(Exemption)
class ExemptionAdmin(CpdAdmin):
    list_display = ["tariff_code", "label"]


@admin.register(FeeRule)
class FeeRuleAdmin(CpdAdmin):
    list_display = ["service"]
    list_select_related = ["service__office"]
    raw_id_fields = ["service"]


@admin.register(FeeAccount)
class FeeAccountAdmin(CpdAdmin):
    list_display = ["office", "fee_type", "holder", "iban", "is_demo"]
    list_filter = ["fee_type", "is_demo"]
    list_select_related = ["office"]


@admin.register(PaymentOrder)
class PaymentOrderAdmin(RecordAdmin):
    list_display = ["number", "title", "amount_grosze", "status", "due_on", "office"]
    list_filter = ["status", "fee_type"]
    list_select_related = ["office"]
    search_fields = ["title", "virtual_account", "case_sign"]

    @admin.display(description=_("number"), ordering="pk")
    def number(self, order: PaymentOrder) -> int:
        return order.pk


@admin.register(Payment)
class PaymentAdmin(RecordAdmin):
    list_display = ["public_id", "order", "channel", "gateway", "amount_grosze", "status"]
    list_filter = ["channel", "gateway", "status"]


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(RecordAdmin):
    list_display = ["received_at", "gateway", "verdict", "detail"]
    list_filter = ["gateway", "verdict"]
