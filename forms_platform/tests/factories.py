"""Test helpers: small definitions and published versions."""

from __future__ import annotations

import copy
import datetime as dt

from forms_platform import services
from forms_platform.models import FormVersion

SMALL_DEFINITION = {
    "format": 1,
    "steps": [
        {
            "key": "dane",
            "title": "Dane wniosku",
            "fields": [
                {
                    "name": "Wnioskodawca",
                    "type": "person",
                    "label": "Wnioskodawca",
                    "required": True,
                },
                {"name": "Kwota", "type": "money", "label": "Kwota"},
                {
                    "name": "DataZdarzenia",
                    "type": "date",
                    "label": "Data zdarzenia",
                    "not_future": True,
                },
                {
                    "name": "Rodzaj",
                    "type": "choice",
                    "label": "Rodzaj sprawy",
                    "required": True,
                    "options": [
                        {"value": "zwykla", "label": "Zwykła"},
                        {"value": "inna", "label": "Inna"},
                    ],
                },
                {
                    "name": "Opis",
                    "type": "textarea",
                    "label": "Opis sprawy",
                    "required_if": 'Rodzaj == "inna"',
                },
                {
                    "name": "Skan",
                    "type": "attachment",
                    "label": "Skan dokumentu",
                    "allowed_types": ["pdf", "png"],
                    "max_size": 1024,
                },
            ],
        }
    ],
}

PDF_BYTES = b"%PDF-1.4\n% test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SENDER = {"kind": "person", "first_name": "Anna", "last_name": "Nowak", "pesel": "02070803628"}
ADDRESSEE = {
    "kind": "institution",
    "name": "Urząd Miasta Gliwice",
    "address": {
        "postal_code": "44-100",
        "city": "Gliwice",
        "street": "Zwycięstwa",
        "building": "21",
    },
}


def make_template(*, actor=None, slug="wniosek-testowy", definition=None, name="Wniosek testowy"):
    template = services.template_create(actor=actor, slug=slug, name=name)
    version = template.versions.get()
    services.draft_update(
        actor=actor,
        version=version,
        definition=copy.deepcopy(definition or SMALL_DEFINITION),
        description={"title": name, "legal_basis": "art. 63 KPA"},
    )
    return template


def make_published(
    *, actor=None, slug="wniosek-testowy", definition=None, valid_from=None
) -> FormVersion:
    template = make_template(actor=actor, slug=slug, definition=definition)
    return services.version_publish(
        actor=actor, version=template.versions.get(), valid_from=valid_from or dt.date(2024, 1, 1)
    )
