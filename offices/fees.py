"""What a service costs and how to pay it, as the applicant should see it before and after
sending (the review page, the submission and the case).

Read from the service's fee columns and the office's fee account; nothing is computed that the
catalogue does not say. Paying inside SEKAP (payment orders, a gateway) comes with the
payments app; until then the statement says how to pay by transfer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms_platform.rules import compile_rule, evaluate

from .models import FeeKind, Service


@dataclass(frozen=True)
class FeeItem:
    label: str
    amount_grosze: int


@dataclass(frozen=True)
class FeeDue:
    """The fee of a service: ``kind`` is a ``FeeKind`` value; ``items`` the amounts the
    catalogue lists (one for a fixed fee, several for a tariff, none when computed);
    ``account`` the office's fee account ("" when the office has not given it)."""

    kind: str
    items: tuple[FeeItem, ...]
    legal_basis: str
    note: str
    recipient: str
    account: str
    transfer_title: str
    exemption: str = ""  # why no fee is due for this application, when an exemption applies

    @property
    def is_due(self) -> bool:
        return self.kind != FeeKind.NONE

    @property
    def single_amount(self) -> int | None:
        return self.items[0].amount_grosze if len(self.items) == 1 else None


def fee_exemption_label(*, service: Service, data: Mapping[str, Any]) -> str:
    """The label (in the page's language) of the first fee exemption whose rule holds for the
    form ``data``; "" when none does."""
    for exemption, shown in zip(
        service.fee_exemptions or [], service.public_fee_exemptions, strict=True
    ):
        if evaluate(compile_rule(exemption["applies_if"]), data):
            return shown["label"]
    return ""


def fee_due(
    *, service: Service, reference: str = "", data: Mapping[str, Any] | None = None
) -> FeeDue:
    """The fee statement of ``service``; ``reference`` (a case sign or the submission's
    identifier) goes into the suggested transfer title once there is one. With the
    application's form ``data``, an exemption that applies (a rule of the catalogue, for
    example the owner's WZ request) makes the statement say that no fee is due, and why."""
    exemption = fee_exemption_label(service=service, data=data) if data is not None else ""
    items = tuple(
        FeeItem(label=str(item.get("label") or service.title), amount_grosze=item["amount_grosze"])
        for item in service.fee_items or []
        if isinstance(item, dict) and isinstance(item.get("amount_grosze"), int)
    )
    # The title goes onto the office's bank statement: Polish, whatever the page's language.
    title = f"Opłata – {service.title}"
    if reference:
        title = f"{title}, {reference}"
    office = service.office
    kind = FeeKind.NONE if exemption else service.fee_kind
    return FeeDue(
        kind=kind,
        items=items if kind != FeeKind.NONE else (),
        legal_basis=service.fee_legal_basis,
        note=service.public_fee_note,
        recipient=office.name,
        account=office.fee_iban,
        transfer_title=title[:140],
        exemption=exemption,
    )
