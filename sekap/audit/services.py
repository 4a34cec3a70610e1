"""Writing and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .chain import canonical_json, entry_hash
from .context import NO_REQUEST, current
from .models import GENESIS_HASH, AuditEntry, AuditHead


def _describe_target(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = getattr(target, "_meta", None)
    if meta is not None:
        return meta.label_lower, str(target.pk), str(target)[:255]
    return type(target).__name__, "", str(target)[:255]


def record(
    *,
    actor: Any = None,
    action: str,
    target: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction."""
    context = current.get() or NO_REQUEST
    target_type, target_id, target_repr = _describe_target(target)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if authenticated else None
    actor_repr = (getattr(actor, "email", "") or str(actor))[:255] if authenticated else ""
    before, after = canonical_json(before), canonical_json(after)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        fields = {
            "seq": head.seq + 1,
            "created_at": timezone.now(),
            "actor_id": actor_id,
            "actor_repr": actor_repr,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_repr": target_repr,
            "before": before,
            "after": after,
            "request_id": context.request_id,
            "ip": context.ip,
            "prev_hash": head.hash,
        }
        digest = entry_hash(**fields)
        entry = AuditEntry.objects.create(hash=digest, **fields)
        head.seq, head.hash = entry.seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)


def verify_chain() -> BrokenLink | None:
    """Walk the chain from the first entry; return the first broken link, or None."""
    expected_seq, previous = 1, GENESIS_HASH
    for entry in _entries():
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != previous:
            return BrokenLink(entry.seq, "does not follow the previous entry")
        recomputed = entry_hash(
            seq=entry.seq,
            created_at=entry.created_at,
            actor_id=entry.actor_id,
            actor_repr=entry.actor_repr,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
            ip=entry.ip,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return BrokenLink(entry.seq, "content was changed after it was written")
        expected_seq, previous = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != previous):
        return BrokenLink(expected_seq, "entries at the end of the chain are missing")
    return None
