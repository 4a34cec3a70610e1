"""Many audit entries at once, for set-based work (``record_many``): the same chains as
``services.record``, one head lock per chain and one bulk insert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sekap.bulk import insert_rows

from .chain import canonical_json, entry_hash
from .context import NO_REQUEST, current
from .models import AuditEntry, AuditHead
from .services import _describe_target, chain_of

_BULK_FIELDS = (
    "chain",
    "seq",
    "created_at",
    "actor",
    "actor_repr",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "request_id",
    "ip",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Entry:
    """One entry for :func:`record_many`; the fields of ``services.record``."""

    action: str
    target: Any = None
    before: dict | None = None
    after: dict | None = None


@dataclass(frozen=True, slots=True)
class TargetRef:
    """A target named by its parts, for set-based callers that hold rows, not model
    instances: what ``services.record`` would derive from the instance (its model label, key,
    ``str()`` and office), given directly. ``record_many`` chains and hashes it the same way."""

    label: str  # the model's ``_meta.label_lower``, e.g. "payments.paymentorder"
    pk: int | str
    text: str  # what ``str(instance)`` gives
    office_id: int | None = None


def _describe(target: Any) -> tuple[str, str, str]:
    if type(target) is TargetRef:
        return target.label, str(target.pk), target.text[:255]
    return _describe_target(target)


def _chain(target: Any) -> str:
    if type(target) is TargetRef:
        return chain_of(target=None, office_id=target.office_id)
    return chain_of(target=target)


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return False


def _json_value(value: Any) -> Any:
    """``canonical_json`` without the round trip when ``value`` is plain JSON already."""
    return value if _is_plain(value) else canonical_json(value)


def record_many(*, actor: Any = None, entries: list[Entry]) -> int:
    """Append many entries by one actor, each to its office's chain (``chain_of``), in order.

    The same chains as :func:`record` (each entry hashes the previous one of its chain), with
    one lock per chain head (taken in key order) and one bulk insert: for set-based work such
    as a bank statement settling thousands of orders."""
    if not entries:
        return 0
    context = current.get() or NO_REQUEST
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if authenticated else None
    actor_repr = (getattr(actor, "email", "") or str(actor))[:255] if authenticated else ""
    by_chain: dict[str, list[Entry]] = {}
    for entry in entries:
        by_chain.setdefault(_chain(entry.target), []).append(entry)
    rows = []
    with transaction.atomic():
        now = timezone.now()
        for key in sorted(by_chain):
            head, _ = AuditHead.objects.select_for_update().get_or_create(key=key)
            seq, previous = head.seq, head.hash
            for entry in by_chain[key]:
                target_type, target_id, target_repr = _describe(entry.target)
                seq += 1
                fields = {
                    "seq": seq,
                    "created_at": now,
                    "actor_id": actor_id,
                    "actor_repr": actor_repr,
                    "action": entry.action,
                    "target_type": target_type,
                    "target_id": target_id,
                    "target_repr": target_repr,
                    "before": _json_value(entry.before),
                    "after": _json_value(entry.after),
                    "request_id": context.request_id,
                    "ip": context.ip,
                    "prev_hash": previous,
                }
                previous = entry_hash(**fields)
                rows.append([key, *fields.values(), previous])
            head.seq, head.hash = seq, previous
            head.save(update_fields=["seq", "hash"])
        insert_rows(AuditEntry, fields=_BULK_FIELDS, rows=rows)
    return len(rows)
