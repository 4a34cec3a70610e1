"""Fee accounts: per office and per kind of fee (stamp duty goes to the seat gmina's account)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from offices.validators import validate_polish_iban


class FeeType(models.TextChoices):
    """Where the money goes: stamp duty to the gmina of the acting office's seat (ustawa o
    opłacie skarbowej art. 12), every other fee to the office's own budget account."""

    STAMP_DUTY = "stamp_duty", _("stamp duty")
    OFFICE_FEE = "office_fee", _("office fee")


class FeeAccount(models.Model):
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("acting office"),
        on_delete=models.PROTECT,
        related_name="fee_accounts",
    )
    fee_type = models.CharField(_("kind of fee"), max_length=12, choices=FeeType.choices)
    holder = models.CharField(
        _("account holder"),
        max_length=200,
        help_text=_("Who receives the money, e.g. the gmina of the office's seat."),
    )
    iban = models.CharField(_("account (IBAN)"), max_length=34, validators=[validate_polish_iban])
    collection_prefix = models.CharField(
        _("collection prefix"),
        max_length=6,
        validators=[RegexValidator(r"^\d{2,6}$", _("Two to six digits."))],
        help_text=_(
            "The bank's mass-collection (virtual account) prefix agreed with the holder; "
            "a virtual account is the bank's sort code, this prefix and the order number."
        ),
    )
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("A made-up account of the demo installation; never shown as real."),
    )

    class Meta:
        verbose_name = _("fee account")
        verbose_name_plural = _("fee accounts")
        constraints = [
            models.UniqueConstraint(fields=["office", "fee_type"], name="payments_account_kind")
        ]

    def __str__(self) -> str:
        return f"{self.holder}: {self.iban}"

    @property
    def sort_code(self) -> str:
        return self.iban[4:12]

    def clean(self) -> None:
        if self.iban and not self.iban.startswith("PL"):
            raise ValidationError({"iban": _("A fee account must be a Polish (PL) account.")})
