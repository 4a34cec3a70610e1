"""The tariff as data: items with amounts and validity, exemptions, and each service's rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import FeeType


class TariffItem(models.Model):
    """One position of a tariff (stamp-duty annex item or another act's fee) in one period."""

    code = models.CharField(_("code"), max_length=30)
    fee_type = models.CharField(_("kind of fee"), max_length=12, choices=FeeType.choices)
    subject = models.CharField(_("subject"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=400)
    amount_grosze = models.PositiveBigIntegerField(_("amount (grosze)"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    to_verify = models.BooleanField(
        _("to verify"), default=False, help_text=_("The amount or position is not yet confirmed.")
    )
    source = models.CharField(_("source"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("tariff item")
        verbose_name_plural = _("tariff items")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="payments_tariff_period"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="payments_tariff_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}"


class Exemption(models.Model):
    """When no fee of an item is due: a form rule (``forms_platform.rules``) over the
    application's data, e.g. a power of attorney given to close family."""

    tariff_code = models.CharField(_("tariff item code"), max_length=30, db_index=True)
    label = models.CharField(_("label"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=400)
    applies_if = models.CharField(_("applies if (form rule)"), max_length=500)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["tariff_code", "pk"]

    def __str__(self) -> str:
        return f"{self.tariff_code}: {self.label}"

    def clean(self) -> None:
        from forms_platform.rules import RuleSyntaxError, compile_rule

        try:
            compile_rule(self.applies_if)
        except RuleSyntaxError as exc:
            raise ValidationError({"applies_if": str(exc)}) from exc


class FeeRule(models.Model):
    """How a service's fee is made up: a list of typed lines (see ``payments.rules``)."""

    service = models.OneToOneField(
        "offices.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="fee_rule",
    )
    lines = models.JSONField(
        _("lines"),
        default=list,
        help_text=_(
            'A list of typed lines: {"kind": "item", "item": CODE, "if": rule}, '
            '{"kind": "per_unit", "item": CODE, "quantity": FIELD, "max_grosze": N}, '
            '{"kind": "pro_rata_days", "item": CODE, "from": FIELD}.'
        ),
    )

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")

    def __str__(self) -> str:
        return str(self.service)

    def clean(self) -> None:
        from ..rules import RuleError, check_lines

        try:
            check_lines(self.lines)
        except RuleError as exc:
            raise ValidationError({"lines": str(exc)}) from exc
