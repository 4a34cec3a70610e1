"""Validators of the registry's identifiers: TERC codes, bank accounts, case-sign symbols."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumError

# Voivodeship codes of the TERYT register are even numbers 02..32.
_VOIVODESHIPS = {f"{n:02d}" for n in range(2, 33, 2)}
_LENGTH_BY_KIND = {"voivodeship": 2, "county": 4, "city_county": 7, "municipality": 7}
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9-]{0,9}$")


def terc_errors(terc: str, kind: str, gmina_type: str = "") -> list[str]:
    """Return what is wrong with a TERC code for an office of the given kind."""
    errors: list[str] = []
    if not terc.isdigit():
        return [str(_("A TERC code consists of digits only."))]
    expected = _LENGTH_BY_KIND.get(kind)
    if expected and len(terc) != expected:
        errors.append(
            str(_("A TERC code of this kind of office has %(n)d digits.") % {"n": expected})
        )
        return errors
    if terc[:2] not in _VOIVODESHIPS:
        errors.append(str(_("%(code)s is not a voivodeship code.") % {"code": terc[:2]}))
    if len(terc) >= 4 and terc[2:4] == "00":
        errors.append(str(_("The county part of a TERC code cannot be 00.")))
    if len(terc) == 7:
        if terc[4:6] == "00":
            errors.append(str(_("The municipality part of a TERC code cannot be 00.")))
        if terc[6] not in "123":
            errors.append(str(_("The last digit of an office's TERC code is its type: 1, 2 or 3.")))
        elif gmina_type and gmina_type != terc[6]:
            errors.append(str(_("The municipality type does not match the TERC code.")))
    if kind == "city_county" and len(terc) == 7 and int(terc[2:4]) < 61:
        errors.append(str(_("Cities with county rights have county codes from 61 up.")))
    return errors


def validate_polish_iban(value: str) -> None:
    compact = iban.compact(value)
    try:
        iban.validate(compact)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid bank account number (IBAN): check the digits."),
            code="iban",
        ) from exc
    if not compact.startswith("PL"):
        raise ValidationError(_("The fee account must be a Polish (PL) account."), code="iban")


def validate_department_symbol(value: str) -> None:
    if not _SYMBOL.match(value):
        raise ValidationError(
            _("A department symbol has 1-10 capital letters, digits or hyphens, e.g. OR or GK-I."),
            code="symbol",
        )
