"""Seed data of a fresh installation: the tariff, exemptions, fee rules and fee accounts.

Every step is idempotent and never overwrites what an administrator has edited (rows are
created only when missing). The 54 offices' registry has no bank accounts, so accounts are
made-up demo accounts (``is_demo``) at the non-existent bank 999 (sort code 99900009, valid
check digit) with valid NRB check digits; an office's real account replaces them in the admin.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db import transaction

from forms_platform.models import FormTemplate
from offices.models import Office, Service
from offices.models.registry import OfficeKind
from offices.tariff import ACTS, tariff_items

from ..models import Exemption, FeeAccount, FeeRule, FeeType, TariffItem
from .accounts import nrb, sort_code_check_digit

DATA = Path(__file__).resolve().parent.parent / "data"
DEMO_BANK = "9990000"
DEMO_SORT_CODE = DEMO_BANK + sort_code_check_digit(DEMO_BANK)
TYPE_DIGIT = {FeeType.STAMP_DUTY: "1", FeeType.OFFICE_FEE: "2"}
STAMP_DUTY_ACTS = {"oplata_skarbowa"}


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def tariff_seed() -> int:
    """The offices' tariff file plus the payments-only items (power of attorney)."""
    created = 0
    extra = [
        {**row, "amount_grosze": int(row["amount_grosze"])} for row in _rows("tariff_extra.csv")
    ]
    items = [
        {
            "code": i.code,
            "act": i.act,
            "part": i.part,
            "item": i.item,
            "point": i.point,
            "subject": i.subject,
            "amount_grosze": i.amount_grosze,
            "valid_from": i.valid_from.isoformat(),
            "valid_to": i.valid_to.isoformat() if i.valid_to else "",
            "status": i.status,
            "source": i.source,
        }
        for i in tariff_items()
    ] + extra
    for row in items:
        position = f"cz. {row['part']} ust. {row['item']}" if row["part"] and row["item"] else ""
        if position and row["point"]:
            position += f" pkt {row['point']}"
        basis = f"{ACTS[row['act']]}, {position}" if position else ACTS[row["act"]]
        _, made = TariffItem.objects.get_or_create(
            code=row["code"],
            valid_from=row["valid_from"],
            defaults={
                "fee_type": FeeType.STAMP_DUTY
                if row["act"] in STAMP_DUTY_ACTS
                else FeeType.OFFICE_FEE,
                "subject": row["subject"][:300],
                "legal_basis": basis[:400],
                "amount_grosze": int(row["amount_grosze"]),
                "valid_to": row["valid_to"] or None,
                "to_verify": row["status"] != "confirmed",
                "source": row["source"][:400],
            },
        )
        created += made
    for row in _rows("exemptions.csv"):
        _, made = Exemption.objects.get_or_create(
            tariff_code=row["tariff_code"],
            label=row["label"],
            defaults={"legal_basis": row["legal_basis"], "applies_if": row["applies_if"]},
        )
        created += made
    return created


def fee_rules_seed() -> int:
    rules = json.loads((DATA / "fee_rules.json").read_text(encoding="utf-8"))
    created = 0
    for slug, lines in rules.items():
        if slug.startswith("_"):
            continue
        template = FormTemplate.objects.filter(slug=slug).first()
        if template is None:
            continue
        for service in Service.objects.filter(form_template=template):
            _, made = FeeRule.objects.get_or_create(service=service, defaults={"lines": lines})
            created += made
    return created


def demo_iban(*, fee_type: str, terc: str) -> str:
    return nrb(
        sort_code=DEMO_SORT_CODE,
        account_digits=TYPE_DIGIT[fee_type] + terc.ljust(7, "0") + "0" * 8,
    )


def _seat_gminas() -> dict[str, Office]:
    gminas = Office.objects.filter(kind__in=[OfficeKind.MUNICIPALITY, OfficeKind.CITY_COUNTY])
    return {office.seat: office for office in gminas}


@transaction.atomic
def fee_accounts_seed() -> int:
    """One account per office and kind of fee, where missing: stamp duty to the gmina of the
    office's seat (its own for a gmina or city), other fees to the office itself."""
    seats = _seat_gminas()
    created = 0
    for office in Office.objects.all():
        gmina = office if office.kind in (OfficeKind.MUNICIPALITY, OfficeKind.CITY_COUNTY) else None
        gmina = gmina or seats.get(office.seat)
        if gmina is not None:
            stamp = (gmina.unit, gmina.fee_iban, gmina.terc)
        else:  # the seat gmina is not a SEKAP office (Bieruń, Zawiercie)
            stamp = (f"Gmina {office.seat}", "", office.terc[:4] + "9")
        own = (office.unit, office.fee_iban, office.terc)
        for fee_type, (holder, iban, terc) in (
            (FeeType.STAMP_DUTY, stamp),
            (FeeType.OFFICE_FEE, own),
        ):
            _, made = FeeAccount.objects.get_or_create(
                office=office,
                fee_type=fee_type,
                defaults={
                    "holder": holder[:200],
                    "iban": iban or demo_iban(fee_type=fee_type, terc=terc),
                    "collection_prefix": "9" + TYPE_DIGIT[fee_type] + str(office.pk).zfill(4),
                    "is_demo": not iban,
                },
            )
            created += made
    return created


def payments_seed() -> dict[str, int]:
    return {
        "tariff": tariff_seed(),
        "rules": fee_rules_seed(),
        "accounts": fee_accounts_seed(),
    }
