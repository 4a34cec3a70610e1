"""Writing and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .chain import canonical_json, entry_hash
from .context import NO_REQUEST, current
from .models import GENESIS_HASH, PLATFORM_CHAIN, AuditEntry, AuditHead, office_chain


def _describe_target(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = getattr(target, "_meta", None)
    if meta is not None:
        return meta.label_lower, str(target.pk), str(target)[:255]
    return type(target).__name__, "", str(target)[:255]


def chain_of(*, target: Any, office_id: int | None = None) -> str:
    """The chain an entry belongs to: the office it was done in (given, the target itself, or
    the target's ``office_id``), else the platform's."""
    if office_id is None and target is not None:
        meta = getattr(target, "_meta", None)
        if meta is not None and meta.label_lower == "offices.office":
            office_id = target.pk
        else:
            office_id = getattr(target, "office_id", None)
    return office_chain(office_id) if isinstance(office_id, int) else PLATFORM_CHAIN


def record(
    *,
    actor: Any = None,
    action: str,
    target: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    office_id: int | None = None,
) -> AuditEntry:
    """Append one entry to its office's chain (see ``chain_of``), inside the caller's
    transaction; only writers of the same chain wait for each other."""
    context = current.get() or NO_REQUEST
    target_type, target_id, target_repr = _describe_target(target)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if authenticated else None
    actor_repr = (getattr(actor, "email", "") or str(actor))[:255] if authenticated else ""
    before, after = canonical_json(before), canonical_json(after)
    key = chain_of(target=target, office_id=office_id)
    # no savepoint: an entry that fails to be written fails the caller's whole transaction
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(key=key)
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
        entry = AuditEntry.objects.create(chain=key, hash=digest, **fields)
        head.seq, head.hash = entry.seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    seq: int
    reason: str


def _entries(chain: str) -> Iterator[AuditEntry]:
    return AuditEntry.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)


def verify_chain() -> BrokenLink | None:
    """Walk every chain from its first entry; return the first broken link, or None.

    Detects changed content, deleted or reordered entries (a gap or a wrong previous hash),
    entries cut from the end (the head no longer matches) and a whole chain whose head row was
    removed (its entries remain). A chain deleted with its head is caught by the anchors."""
    heads = {head.key: head for head in AuditHead.objects.all()}
    orphans = AuditEntry.objects.exclude(chain__in=list(heads)).order_by("chain", "seq").first()
    if orphans is not None:
        return BrokenLink(orphans.chain, orphans.seq, "the head of this chain is missing")
    for key in sorted(heads):
        broken = _verify_one(heads[key])
        if broken is not None:
            return broken
    return None


def chain_problems() -> Iterator[str]:
    """``verify_chain`` as lines for a report (``BACKUP_VERIFIERS``)."""
    broken = verify_chain()
    if broken is not None:
        yield f"audit chain {broken.chain} broken at entry #{broken.seq}: {broken.reason}"


def _verify_one(head: AuditHead) -> BrokenLink | None:
    expected_seq, previous = 1, GENESIS_HASH
    for entry in _entries(head.key):
        if entry.seq != expected_seq:
            return BrokenLink(head.key, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != previous:
            return BrokenLink(head.key, entry.seq, "does not follow the previous entry")
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
            return BrokenLink(head.key, entry.seq, "content was changed after it was written")
        expected_seq, previous = entry.seq + 1, entry.hash
    if head.seq != expected_seq - 1 or head.hash != previous:
        return BrokenLink(head.key, expected_seq, "entries at the end of the chain are missing")
    return None
