"""What an application costs: the service's fee rule over the tariff valid on the filing day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from forms_platform.rules import compile_rule, evaluate
from offices.models import FeeKind, Service

from ..models import Exemption, FeeRule, TariffItem
from ..rules import RuleError, condition_holds, line_amount


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: str
    fee_type: str
    legal_basis: str
    amount_grosze: int

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "fee_type": self.fee_type,
            "legal_basis": self.legal_basis,
            "amount_grosze": self.amount_grosze,
        }


@dataclass(frozen=True)
class Assessment:
    """``lines`` due; ``exempt`` the labels of exemptions that removed a line; ``computable``
    is False when the amount is for the office to set (no rule, or the data do not allow it)."""

    lines: tuple[FeeLine, ...] = ()
    exempt: tuple[str, ...] = ()
    computable: bool = True
    problems: tuple[str, ...] = field(default_factory=tuple)

    def by_fee_type(self) -> dict[str, list[FeeLine]]:
        grouped: dict[str, list[FeeLine]] = {}
        for line in self.lines:
            grouped.setdefault(line.fee_type, []).append(line)
        return grouped

    @property
    def total_grosze(self) -> int:
        return sum(line.amount_grosze for line in self.lines)


def tariff_item_on(*, code: str, day: dt.date) -> TariffItem | None:
    return (
        TariffItem.objects.filter(code=code, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def _rule_lines(service: Service) -> list[dict] | None:
    rule = FeeRule.objects.filter(service=service).values_list("lines", flat=True).first()
    if rule is not None:
        return rule
    # Without a rule of its own, a service with one tariff item charges that item.
    items = [i for i in service.fee_items or [] if isinstance(i, dict) and i.get("tariff")]
    if service.fee_kind == FeeKind.TARIFF and len(items) == 1:
        return [{"kind": "item", "item": items[0]["tariff"], "label": items[0].get("label", "")}]
    return None


def _service_exemption(service: Service, data: Mapping[str, Any]) -> str:
    for exemption in service.fee_exemptions or []:
        if evaluate(compile_rule(exemption["applies_if"]), data):
            return str(exemption.get("label", ""))
    return ""


# Filing a power of attorney is itself charged (annex part IV), whatever the matter costs:
# forms ask whether a proxy files the application in this yes/no field, and whether the proxy
# is close family (exempt: spouse, ascendant, descendant, sibling; payments/data/exemptions.csv).
PROXY_FIELD = "PrzezPelnomocnika"
CLOSE_FAMILY_FIELD = "PelnomocnikBliskiKrewny"
POWER_OF_ATTORNEY = {"kind": "item", "item": "IV.1", "label": "złożenie pełnomocnictwa"}


def _lines_of(
    service: Service, data: Mapping[str, Any], *, by_representative: bool = False
) -> tuple[list[dict], str, bool]:
    """The rule lines that apply, the service-level exemption, and whether computable."""
    lines: list[dict] = []
    exemption = ""
    computable = True
    if service.fee_kind != FeeKind.NONE:
        exemption = _service_exemption(service, data)
        if not exemption:
            rule = _rule_lines(service)
            computable = rule is not None
            lines = list(rule or [])
    if data.get(PROXY_FIELD) is True or by_representative:
        lines.append(POWER_OF_ATTORNEY)
    return lines, exemption, computable


def fee_assessment(
    *,
    service: Service,
    data: Mapping[str, Any],
    on: dt.date | None = None,
    by_representative: bool = False,
) -> Assessment:
    """The fee lines of an application of ``service`` with form ``data`` filed ``on``.

    ``by_representative``: filed for a company by its representative on the power of
    attorney registered in SEKAP, which is thereby filed with the office and charged
    (a company has no close family: that exemption does not apply)."""
    day = on or timezone.localdate()
    if by_representative:
        data = {**data, CLOSE_FAMILY_FIELD: False}
    lines, exemption, computable = _lines_of(service, data, by_representative=by_representative)
    due: list[FeeLine] = []
    exempt: list[str] = [exemption] if exemption else []
    problems: list[str] = []
    exemptions = _exemptions_by_code({line["item"] for line in lines})
    for line in lines:
        if not condition_holds(line, data):
            continue
        item = tariff_item_on(code=line["item"], day=day)
        if item is None:
            problems.append(f"{line['item']}: no tariff item valid on {day.isoformat()}")
            continue
        applying = [e for e in exemptions.get(item.code, []) if evaluate(e[1], data)]
        if applying:
            exempt.append(applying[0][0])
            continue
        try:
            amount = line_amount(line, item.amount_grosze, data)
        except RuleError as exc:
            problems.append(str(exc))
            continue
        if amount > 0:
            due.append(
                FeeLine(
                    code=item.code,
                    label=str(line.get("label") or item.subject)[:200],
                    fee_type=item.fee_type,
                    legal_basis=item.legal_basis,
                    amount_grosze=amount,
                )
            )
    return Assessment(
        lines=tuple(due),
        exempt=tuple(exempt),
        computable=computable and not problems,
        problems=tuple(problems),
    )


def _exemptions_by_code(codes: set[str]) -> dict[str, list[tuple[str, dict]]]:
    found: dict[str, list[tuple[str, dict]]] = {}
    if not codes:  # nothing charged (most applications): no query to compile
        return found
    for exemption in Exemption.objects.filter(tariff_code__in=codes):
        found.setdefault(exemption.tariff_code, []).append(
            (exemption.label, compile_rule(exemption.applies_if))
        )
    return found
