"""Seeding the service catalogue from the form repository's seed forms."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from forms_platform.models import FormTemplate
from forms_platform.rules import compile_rule
from forms_platform.seeding import seed_catalogue
from sekap import audit

from .models import Department, FeeKind, Office, Service
from .tariff import ACTS, TariffError, tariff_item

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
    deadline_note: str
    fee: dict
    office_kinds: tuple[str, ...]
    editor_note: str
    translations: dict


def catalogue_entries() -> list[CatalogueEntry]:
    """The catalogue metadata the form repository keeps with each seed form."""
    return [
        CatalogueEntry(
            slug=item["slug"],
            title=item.get("title") or item["name"],
            description=item["public_description"],
            category=item["category"],
            life_event=item.get("life_event", ""),
            jrwa=item["jrwa"],
            deadline=item["deadline"],
            deadline_note=item.get("deadline_note", ""),
            fee=item["fee"],
            office_kinds=tuple(item["office_kinds"]),
            editor_note=item.get("editor_note", ""),
            translations=item.get("translations", {}),
        )
        for item in seed_catalogue()
    ]


def _routing() -> dict[str, str]:
    with (DATA_DIR / "service_routing.csv").open(encoding="utf-8") as handle:
        return {row["category"]: row["department"] for row in csv.DictReader(handle)}


def fee_fields(fee: dict, *, on: dt.date | None = None) -> dict:
    """Map a seed fee description to the service's fee columns.

    Each item names its tariff row (``{"tariff": "I.8", "label": ..., "amount_grosze": N}``);
    the amount must be the tariff's amount valid ``on`` that day (today by default), and the
    public legal basis is composed from the rows (the annex position only once confirmed).
    """
    items: list[dict] = []
    citations: list[str] = []
    for item in fee.get("items", []):
        row = tariff_item(item["tariff"], on=on)
        if item.get("amount_grosze") != row.amount_grosze:
            raise TariffError(
                f"{item['tariff']}: the seed says {item.get('amount_grosze')} grosze, "
                f"the tariff {row.amount_grosze}."
            )
        items.append(
            {"label": item["label"], "amount_grosze": row.amount_grosze, "tariff": row.code}
        )
        citation = row.citation if row.status == "confirmed" else ACTS[row.act]
        if citation not in citations:
            citations.append(citation)
    exemptions = []
    for exemption in fee.get("exemptions", []):
        compile_rule(exemption["applies_if"])  # a seed with a broken rule fails here, loudly
        exemptions.append(dict(exemption))
    note = " ".join(part for part in (fee.get("rule", ""), fee.get("note", "")) if part)
    return {
        "fee_kind": fee.get("kind", FeeKind.NONE),
        "fee_items": items,
        "fee_legal_basis": fee.get("legal_basis") or "; ".join(citations),
        "fee_note": note,
        "fee_exemptions": exemptions,
    }


def _entry_fields(entry: CatalogueEntry) -> dict:
    return {
        "title": entry.title,
        "description": entry.description,
        "category": entry.category,
        "life_event": entry.life_event,
        "jrwa_symbol": entry.jrwa,
        "deadline_rule": entry.deadline,
        "deadline_note": entry.deadline_note,
        "editor_note": entry.editor_note,
        "translations": entry.translations,
        **fee_fields(entry.fee),
    }


@transaction.atomic
def catalogue_seed(*, actor=None, refresh: bool = False) -> int:
    """Offer each seed form at every office of the kinds that handle it (idempotent).

    With ``refresh``, services already offered also take the seed's current texts, JRWA class,
    deadline and fees (after a legal correction of the seed data); returns created + changed.
    """
    routing = _routing()
    templates = {t.slug: t for t in FormTemplate.objects.all()}
    departments = {(d.office_id, d.symbol): d for d in Department.objects.all()}
    existing = {
        (s.office_id, s.form_template_id): s for s in Service.objects.select_related("office")
    }
    created = changed = 0
    for entry in catalogue_entries():
        template = templates.get(entry.slug)
        if template is None:
            continue  # the form is not in the repository (yet)
        symbol = routing.get(entry.category, FALLBACK_DEPARTMENT)
        fields = _entry_fields(entry)
        for office in Office.objects.filter(kind__in=entry.office_kinds):
            service = existing.get((office.pk, template.pk))
            if service is not None:
                if refresh and any(getattr(service, k) != v for k, v in fields.items()):
                    for key, value in fields.items():
                        setattr(service, key, value)
                    service.full_clean()
                    service.save()
                    changed += 1
                continue
            department = (
                departments.get((office.pk, symbol))
                or departments[(office.pk, FALLBACK_DEPARTMENT)]
            )
            service = Service(
                office=office, form_template=template, department=department, **fields
            )
            service.full_clean()
            service.save()
            created += 1
    if created or changed:
        audit.record(
            actor=actor,
            action="offices.catalogue.seeded",
            after={"created": created, "changed": changed},
        )
    return created + changed
