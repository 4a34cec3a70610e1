"""Imported bank statements and their credits, matched to payment orders or queued for a clerk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BankStatement(models.Model):
    """One statement of one account, as imported; identity: account, number and file hash."""

    format = models.CharField(_("format"), max_length=20)
    encoding = models.CharField(_("encoding"), max_length=20)
    account = models.CharField(_("account (NRB)"), max_length=34)
    number = models.CharField(_("statement number"), max_length=35)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    opening_grosze = models.BigIntegerField(_("opening balance (grosze)"))
    closing_grosze = models.BigIntegerField(_("closing balance (grosze)"))
    credit_count = models.PositiveIntegerField(_("credits"))
    total_grosze = models.PositiveBigIntegerField(_("credits total (grosze)"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number", "sha256"], name="payments_statement_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} #{self.number}"


class CreditState(models.TextChoices):
    MATCHED = "matched", _("matched")
    UNMATCHED = "unmatched", _("to be matched by a clerk")
    ASSIGNED = "assigned", _("matched by a clerk")
    DISMISSED = "dismissed", _("not a fee (set aside by a clerk)")


class MatchRule(models.TextChoices):
    VIRTUAL_ACCOUNT = "virtual_account", _("virtual account")
    TITLE = "title", _("transfer title")
    AMOUNT_PAYER = "amount_payer", _("amount and payer")
    CLERK = "clerk", _("clerk")


class StatementCredit(models.Model):
    """A credit of a statement; ``(account, key)`` identifies it across files (the bank's
    reference, or a hash of the line when the bank gives none)."""

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="credits"
    )
    account = models.CharField(_("account (NRB)"), max_length=34)
    key = models.CharField(_("credit identity"), max_length=120)
    amount_grosze = models.PositiveBigIntegerField(_("amount (grosze)"))
    value_date = models.DateField(_("value date"))
    booking_date = models.DateField(_("booking date"), null=True, blank=True)
    counterparty_name = models.CharField(_("payer"), max_length=300, blank=True)
    counterparty_account = models.CharField(_("payer's account"), max_length=34, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    first_line = models.PositiveIntegerField(_("first line in the file"))
    last_line = models.PositiveIntegerField(_("last line in the file"))
    state = models.CharField(_("state"), max_length=10, choices=CreditState.choices)
    matched_by = models.CharField(
        _("matched by"), max_length=16, choices=MatchRule.choices, blank=True
    )
    order = models.ForeignKey(
        "payments.PaymentOrder",
        verbose_name=_("payment order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_credits",
    )
    payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_credit",
    )
    surplus_grosze = models.PositiveBigIntegerField(_("surplus to refund (grosze)"), default=0)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("statement credit")
        verbose_name_plural = _("statement credits")
        ordering = ["value_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="payments_credit_identity"),
            models.CheckConstraint(
                condition=Q(order__isnull=True) | ~Q(state="unmatched"),
                name="payments_credit_unmatched_no_order",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "state"], name="payments_credit_queue"),
            models.Index(fields=["value_date"], name="payments_credit_day"),
        ]

    def __str__(self) -> str:
        return f"{self.value_date} {self.amount_grosze} gr {self.title[:40]}"
