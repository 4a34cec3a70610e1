"""The service catalogue: what each office offers, with which form, deadline, fee and routing."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..jrwa import LISTS_OF_KIND, case_class
from ..search import service_search_text
from .registry import Department, Office

_JRWA = re.compile(r"^\d{1,4}$")


class DeadlineRule(models.TextChoices):
    """KPA art. 35 classes (and the special rules of other acts)."""

    IMMEDIATELY = "immediately", _("immediately")
    DAYS_7 = "7d", _("within 7 days")
    DAYS_14 = "14d", _("within 14 days")
    MONTH_1 = "1m", _("within 1 month")
    MONTHS_2 = "2m", _("within 2 months")
    DAYS_90 = "90d", _("within 90 days")
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
    fee_exemptions = models.JSONField(
        _("fee exemptions"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"label": ..., "legal_basis": ..., "applies_if": a form rule}; '
            "no fee is due when a rule holds for the application."
        ),
    )
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_(
            'Title and description per language: {"en": {"title": ..., "description": ...}}.'
        ),
    )
    editor_note = models.TextField(
        _("note for editors"),
        blank=True,
        help_text=_("Internal: what is still to be checked. Never shown to the public."),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    unsigned_attachments_allowed = models.BooleanField(
        _("unsigned attachments allowed"),
        default=True,
        help_text=_(
            "When off, an attachment without a valid signature of its own (PAdES in a PDF, "
            "XAdES, a detached .xades or ASiC-E) is flagged for the clerk's attention."
        ),
    )
    search_text = models.TextField(_("search text"), editable=False, default="")

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
        self.search_text = service_search_text(self)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not _JRWA.match(self.jrwa_symbol or ""):
            errors["jrwa_symbol"] = _("A JRWA class symbol has one to four digits.")
        elif not self._jrwa_is_leaf():
            errors["jrwa_symbol"] = _(
                "Class %(symbol)s is not a last-level class of the JRWA list of this kind "
                "of office; cases are opened only on the last level of the class tree."
            ) % {"symbol": self.jrwa_symbol}
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
        for exemption in self.fee_exemptions or []:
            if not isinstance(exemption, dict) or not exemption.get("label"):
                errors["fee_exemptions"] = _("Each fee exemption needs a label.")
        if errors:
            raise ValidationError(errors)

    def _jrwa_is_leaf(self) -> bool:
        if not self.office_id or self.office.kind not in LISTS_OF_KIND:
            return True  # the office's own validation reports an unknown kind
        return case_class(office_kind=self.office.kind, symbol=self.jrwa_symbol) is not None

    def translated(self, field: str, language: str) -> str:
        """``title`` or ``description`` in ``language``; the Polish text when there is none."""
        text = (self.translations or {}).get(language, {}).get(field, "")
        return text or getattr(self, field)

    @property
    def public_title(self) -> str:
        """The title in the language of the request (Polish when not translated)."""
        return self.translated("title", get_language() or "pl")

    @property
    def public_description(self) -> str:
        return self.translated("description", get_language() or "pl")

    @property
    def public_deadline_note(self) -> str:
        return self.translated("deadline_note", get_language() or "pl")

    @property
    def public_fee_note(self) -> str:
        return self.translated("fee_note", get_language() or "pl")

    def _labelled(self, rows: list[dict], key: str) -> list[dict]:
        labels = (self.translations or {}).get(get_language() or "pl", {}).get(key) or []
        if len(labels) != len(rows):
            return rows
        return [{**row, "label": label} for row, label in zip(rows, labels, strict=True)]

    @property
    def public_fee_items(self) -> list[dict]:
        """The tariff items with their labels in the language of the request."""
        return self._labelled(self.fee_items or [], "fee_labels")

    @property
    def public_fee_exemptions(self) -> list[dict]:
        return self._labelled(self.fee_exemptions or [], "exemption_labels")

    @property
    def fee_from_grosze(self) -> int | None:
        amounts = [item["amount_grosze"] for item in self.fee_items]
        return min(amounts) if amounts else None
