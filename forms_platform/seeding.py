"""The seed forms shipped in ``forms_platform/seed/`` and publishing them idempotently.

Each seed file is one JSON object::

    slug, code, name, scope        the template
    description                    title, summary, legal_basis, who_may_file, required_attachments
    definition                     the field definition (see ``definition``)
    catalogue                      metadata for the service catalogue (``offices`` loads it):
        jrwa                       suggested JRWA class symbol
        deadline                   immediately | 7d | 14d | 1m | 2m | special  (+ deadline_note)
        fee                        {"kind": "none"}
                                   {"kind": "amount", "amount_grosze": N, "legal_basis": "..."}
                                   {"kind": "tariff", "legal_basis": "...",
                                    "items": [{"label": ..., "amount_grosze": N}]}
                                   {"kind": "computed", "legal_basis": "...", "rule": "..."}
        office_kinds               any of municipality, city_county, county, voivodeship
        category, life_event, public_description
    sample_data                    a complete, valid filling of the form (used by tests and demos)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from . import services
from .models import FormTemplate, VersionStatus

SEED_DIR = Path(__file__).resolve().parent / "seed"


def seed_files() -> list[dict]:
    """Every seed form, in file order."""
    return [json.loads(path.read_text()) for path in sorted(SEED_DIR.glob("*.json"))]


def seed_catalogue() -> list[dict]:
    """(slug, code, name, catalogue) of every seed form, for the service catalogue."""
    return [
        {"slug": item["slug"], "code": item["code"], "name": item["name"], **item["catalogue"]}
        for item in seed_files()
    ]


@dataclass
class SeedResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@transaction.atomic
def seed_forms(*, actor: Any = None, only: set[str] | None = None) -> SeedResult:
    """Publish every seed form (or those in ``only``) whose current content differs; run it as
    often as you like."""
    result = SeedResult([], [], [])
    for item in seed_files():
        if only is not None and item["slug"] not in only:
            continue
        template = FormTemplate.objects.filter(slug=item["slug"]).first()
        if template is None:
            template = services.template_create(
                actor=actor,
                slug=item["slug"],
                name=item["name"],
                code=item["code"],
                scope=item.get("scope", "local"),
            )
            bucket = result.created
        else:
            latest = (
                template.versions.exclude(status=VersionStatus.DRAFT).order_by("-number").first()
            )
            if latest is not None and (latest.definition, latest.description) == (
                item["definition"],
                item["description"],
            ):
                result.unchanged.append(item["slug"])
                continue
            bucket = result.updated
        draft = template.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            draft = services.draft_create(actor=actor, template=template)
        draft = services.draft_update(
            actor=actor,
            version=draft,
            definition=item["definition"],
            description=item["description"],
        )
        services.version_publish(actor=actor, version=draft)
        bucket.append(item["slug"])
    return result


__all__ = ["SEED_DIR", "SeedResult", "seed_catalogue", "seed_files", "seed_forms"]
