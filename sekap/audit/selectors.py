"""Reads of the audit trail for the people it is about (GDPR art. 15: who accessed my data)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from .models import AuditEntry


def entries_about(
    *, targets: Iterable[tuple[str, Any]], exclude_actor_id: int | None = None
) -> QuerySet[AuditEntry]:
    """Entries whose target is one of ``targets`` (pairs of ``app_label.model`` and primary
    key), oldest first; entries by ``exclude_actor_id`` (the person themselves) left out."""
    by_type: dict[str, list[str]] = {}
    for target_type, pk in targets:
        by_type.setdefault(target_type, []).append(str(pk))
    if not by_type:
        return AuditEntry.objects.none()
    query = Q()
    for target_type, ids in by_type.items():
        query |= Q(target_type=target_type, target_id__in=ids)
    entries = AuditEntry.objects.filter(query)
    if exclude_actor_id is not None:
        entries = entries.exclude(actor_id=exclude_actor_id)
    return entries.order_by("created_at", "pk")


def history_of(*, target: Any, actions: Iterable[str]) -> QuerySet[AuditEntry]:
    """The entries of ``actions`` about one object, newest first (e.g. a profile's changes)."""
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk), action__in=list(actions)
    ).order_by("-created_at", "-pk")
