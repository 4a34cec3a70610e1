"""Fee rules: typed lines, no code evaluation.

A service's ``FeeRule.lines`` is a list of lines; each names a tariff item by code and may carry
a condition ``"if"`` written in the form rule language (``forms_platform.rules``):

``{"kind": "item", "item": "II.21"}``
    the item's amount (when the condition holds).
``{"kind": "per_unit", "item": "I.51.2", "quantity": "LiczbaStron", "round_up": true,
"max_grosze": 20000}``
    the item's amount per unit times the form's quantity field (a started unit counts whole
    with ``round_up``; otherwise exact, e.g. square metres, rounded half-up to the grosz),
    capped at ``max_grosze`` and at least ``min_grosze``.
``{"kind": "pro_rata_days", "item": "ALK.A", "from": "DataOd"}``
    a yearly amount for the days from the form's date to the end of that year, both included
    (the first year of an alcohol permit), rounded half-up to the grosz.

Amounts are integers in grosze; quantities are read as ``Decimal``; nothing is a float.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from forms_platform.rules import RuleSyntaxError, compile_rule, evaluate

KINDS = {
    "item": {"item"},
    "per_unit": {"item", "quantity"},
    "pro_rata_days": {"item", "from"},
}
OPTIONAL = {"if", "label", "round_up", "max_grosze", "min_grosze"}


class RuleError(ValueError):
    """A fee rule is malformed, or the form data does not allow computing it."""


def check_lines(lines: Any) -> None:
    """Raise ``RuleError`` unless ``lines`` is a well-formed list of typed lines."""
    if not isinstance(lines, list):
        raise RuleError("the lines must be a list")
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or line.get("kind") not in KINDS:
            raise RuleError(f"line {number}: kind must be one of {sorted(KINDS)}")
        required = KINDS[line["kind"]]
        missing = required - line.keys()
        if missing:
            raise RuleError(f"line {number}: missing {sorted(missing)}")
        unknown = line.keys() - required - OPTIONAL - {"kind"}
        if unknown:
            raise RuleError(f"line {number}: unknown keys {sorted(unknown)}")
        for key in ("max_grosze", "min_grosze"):
            if key in line and (not isinstance(line[key], int) or line[key] < 0):
                raise RuleError(f"line {number}: {key} must be a whole number of grosze")
        if "if" in line:
            try:
                compile_rule(str(line["if"]))
            except RuleSyntaxError as exc:
                raise RuleError(f"line {number}: {exc}") from exc


def condition_holds(line: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    rule = line.get("if")
    return True if not rule else evaluate(compile_rule(str(rule)), data)


def _quantity(data: Mapping[str, Any], field: str) -> Decimal:
    raw = data.get(field)
    if isinstance(raw, float):  # never trust binary fractions with money
        raw = repr(raw)
    try:
        value = Decimal(str(raw).replace(",", ".").strip())
    except (InvalidOperation, TypeError) as exc:
        raise RuleError(f"{field}: not a number") from exc
    if not value.is_finite() or value < 0:
        raise RuleError(f"{field}: not a non-negative number")
    return value


def _date(data: Mapping[str, Any], field: str) -> dt.date:
    raw = data.get(field)
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise RuleError(f"{field}: not a date") from exc


def line_amount(line: Mapping[str, Any], unit_grosze: int, data: Mapping[str, Any]) -> int:
    """The grosze of one line whose item costs ``unit_grosze``."""
    kind = line["kind"]
    if kind == "item":
        amount = unit_grosze
    elif kind == "per_unit":
        quantity = _quantity(data, line["quantity"])
        if line.get("round_up"):
            quantity = quantity.to_integral_value(rounding=ROUND_CEILING)
        amount = int((quantity * unit_grosze).to_integral_value(rounding=ROUND_HALF_UP))
    else:
        start = _date(data, line["from"])
        days_in_year = 366 if calendar.isleap(start.year) else 365
        days = (dt.date(start.year, 12, 31) - start).days + 1
        amount = int(
            (Decimal(unit_grosze) * days / days_in_year).to_integral_value(rounding=ROUND_HALF_UP)
        )
    if "max_grosze" in line:
        amount = min(amount, line["max_grosze"])
    if "min_grosze" in line:
        amount = max(amount, line["min_grosze"])
    return amount
