"""System checks of the correspondence app."""

from __future__ import annotations

import os

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def edoreczenia_provider_check(app_configs: object = None, **kwargs: object) -> list:
    """In production the e-Doręczenia adapter should talk to the national service: the local
    fake operator delivers nothing with legal effect."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    provider = str(getattr(settings, "DOCUMENTS_EDORECZENIA_PROVIDER", "fake") or "fake")
    if provider == "fake":
        return [
            checks.Warning(
                "e-Doręczenia uses the local fake operator: letters to electronic delivery "
                "addresses are not delivered with legal effect.",
                hint="Set DOCUMENTS_EDORECZENIA_PROVIDER to the service's https address and "
                "DOCUMENTS_EDORECZENIA_TOKEN_URL (the operator's token endpoint).",
                id="documents.W001",
            )
        ]
    if not provider.startswith("https://"):
        return [
            checks.Error(
                "DOCUMENTS_EDORECZENIA_PROVIDER must be an https address or 'fake'.",
                id="documents.E001",
            )
        ]
    token_url = str(getattr(settings, "DOCUMENTS_EDORECZENIA_TOKEN_URL", "") or "")
    if not token_url.startswith("https://"):
        return [
            checks.Error(
                "DOCUMENTS_EDORECZENIA_TOKEN_URL must be the operator's https token endpoint.",
                hint="The office logs in there by mutual TLS with its seal certificate (RFC 8705).",
                id="documents.E002",
            )
        ]
    bundle = str(getattr(settings, "DOCUMENTS_EDORECZENIA_CA_BUNDLE", "") or "")
    if bundle and not os.path.isfile(bundle):
        return [
            checks.Error(
                "DOCUMENTS_EDORECZENIA_CA_BUNDLE names no file.",
                hint="A PEM file of the CA(s) that issue the operator's server certificates.",
                id="documents.E003",
            )
        ]
    return []
