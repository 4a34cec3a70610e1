"""Seeding the service catalogue from the form repository's seed forms."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from forms_platform.models import FormTemplate
from forms_platform.seeding import seed_catalogue
from sekap import audit

from .models import Department, FeeKind, Office, Service

DATA_DIR = Path(__file__).resolve().parent / "data"
FALLBACK_DEPARTMENT = "KA"


@dataclass(frozen=True)
class CatalogueEntry:
    slug: str
    title: str
    description: str
    category: str
    life_event: str
    jrwa: str
    deadline: str
    fee: dict
    office_kinds: tuple[str, ...]


def catalogue_entries() -> list[CatalogueEntry]:
    """The catalogue metadata the form repository keeps with each seed form."""
    return [
        CatalogueEntry(
            slug=item["slug"],
            title=item["name"],
            description=item["public_description"],
            category=item["category"],
            life_event=item.get("life_event", ""),
            jrwa=item["jrwa"],
            deadline=item["deadline"],
            fee=item["fee"],
            office_kinds=tuple(item["office_kinds"]),
        )
        for item in seed_catalogue()
    ]


def _routing() -> dict[str, str]:
    with (DATA_DIR / "service_routing.csv").open(encoding="utf-8") as handle:
        return {row["category"]: row["department"] for row in csv.DictReader(handle)}


def fee_fields(fee: dict, *, title: str) -> dict:
    """Map a seed fee description to the service's fee columns ("amount" is one tariff item)."""
    kind = fee.get("kind", "none")
    items = list(fee.get("items", []))
    if kind == "amount":
        kind = FeeKind.TARIFF
        items = items or [
            {"label": fee.get("label") or title, "amount_grosze": fee["amount_grosze"]}
        ]
    note = " ".join(part for part in (fee.get("rule", ""), fee.get("note", "")) if part)
    return {
        "fee_kind": kind,
        "fee_items": items,
        "fee_legal_basis": fee.get("legal_basis", ""),
        "fee_note": note,
    }


@transaction.atomic
def catalogue_seed(*, actor=None) -> int:
    """Offer each seed form at every office of the kinds that handle it (idempotent)."""
    routing = _routing()
    templates = {t.slug: t for t in FormTemplate.objects.all()}
    departments = {(d.office_id, d.symbol): d for d in Department.objects.all()}
    existing = set(Service.objects.values_list("office_id", "form_template_id"))
    created = 0
    for entry in catalogue_entries():
        template = templates.get(entry.slug)
        if template is None:
            continue  # the form is not in the repository (yet)
        symbol = routing.get(entry.category, FALLBACK_DEPARTMENT)
        for office in Office.objects.filter(kind__in=entry.office_kinds):
            if (office.pk, template.pk) in existing:
                continue
            department = (
                departments.get((office.pk, symbol))
                or departments[(office.pk, FALLBACK_DEPARTMENT)]
            )
            service = Service(
                office=office,
                form_template=template,
                department=department,
                title=entry.title,
                description=entry.description,
                category=entry.category,
                life_event=entry.life_event,
                jrwa_symbol=entry.jrwa,
                deadline_rule=entry.deadline,
                **fee_fields(entry.fee, title=entry.title),
            )
            service.full_clean()
            service.save()
            created += 1
    if created:
        audit.record(actor=actor, action="offices.catalogue.seeded", after={"created": created})
    return created
