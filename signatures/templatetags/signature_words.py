"""Signature results in words for templates: ``{% load signature_words %}``,
``{{ indication|verdict }}`` gives valid / not valid / cannot be determined."""

from __future__ import annotations

from django import template

from signatures.presentation import VERDICT_LABELS, verdict_of

register = template.Library()


@register.filter
def verdict(indication: str | None) -> str:
    """An ETSI indication as the verdict people read; empty when there is none yet."""
    return str(VERDICT_LABELS[verdict_of(indication)]) if indication else ""
