"""The service catalogue: what each office offers, with which form, deadline, fee and routing."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.text import search_key

from .registry import Department, Office

_JRWA = re.compile(r"^\d{1,4}$")


class DeadlineRule(models.TextChoices):
    """KPA art. 35 classes (and the special rules of other acts)."""

    IMMEDIATELY = "immediately", _("immediately")
    DAYS_7 = "7d", _("within 7 days")
    DAYS_14 = "14d", _("within 14 days")
    MONTH_1 = "1m", _("within 1 month")
    MONTHS_2 = "2m", _("within 2 months")
    SPECIAL = "special", _("special rule")


class FeeKind(models.TextChoices):
    NONE = "none", _("no fee")
    TARIFF = "tariff", _("tariff item")
    COMPUTED = "computed", _("computed")


class Service(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="services"
    )
    form_template = models.ForeignKey(
        "forms_platform.FormTemplate",
        verbose_name=_("form"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("public description"))
    category = models.CharField(_("category"), max_length=120)
    life_event = models.CharField(_("life event"), max_length=120, blank=True)
    jrwa_symbol = models.CharField(_("JRWA class"), max_length=4)
    deadline_rule = models.CharField(
        _("legal deadline"), max_length=12, choices=DeadlineRule.choices
    )
    deadline_note = models.CharField(_("deadline note"), max_length=300, blank=True)
    fee_kind = models.CharField(_("fee"), max_length=10, choices=FeeKind.choices)
    fee_items = models.JSONField(
        _("tariff items"),
        default=list,
        blank=True,
        help_text=_('A list of {"label": ..., "amount_grosze": ...}.'),
    )
    fee_legal_basis = models.CharField(_("legal basis of the fee"), max_length=300, blank=True)
    fee_note = models.TextField(_("fee note"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["office", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "form_template"], name="offices_service_office_form"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.office})"

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_key(
            " ".join([self.title, self.description, self.category, self.life_event])
        )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not _JRWA.match(self.jrwa_symbol or ""):
            errors["jrwa_symbol"] = _("A JRWA class symbol has one to four digits.")
        if self.department_id and self.office_id and self.department.office_id != self.office_id:
            errors["department"] = _("The department belongs to another office.")
        if self.fee_kind == FeeKind.TARIFF and not self.fee_items:
            errors["fee_items"] = _("A tariff fee needs at least one item with its amount.")
        for item in self.fee_items or []:
            amount = item.get("amount_grosze") if isinstance(item, dict) else None
            if not isinstance(amount, int) or amount < 0 or not item.get("label"):
                errors["fee_items"] = _(
                    "Each tariff item needs a label and a whole, non-negative amount in grosze."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def fee_from_grosze(self) -> int | None:
        amounts = [item["amount_grosze"] for item in self.fee_items]
        return min(amounts) if amounts else None
