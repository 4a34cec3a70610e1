"""Writing and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .. import prepared
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


def office_of(target: Any) -> int | None:
    """The office a target was done in: the office itself, or the target's ``office_id``."""
    meta = getattr(target, "_meta", None)
    if meta is not None and meta.label_lower == "offices.office":
        return target.pk
    office_id = getattr(target, "office_id", None)
    return office_id if isinstance(office_id, int) else None


def chain_of(*, target: Any, office_id: int | None = None) -> str:
    """The chain an entry belongs to: the office it was done in (given, the target itself, or
    the target's ``office_id``), else the platform's."""
    if office_id is None and target is not None:
        office_id = office_of(target)
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
        # the chain's writers wait for each other from here to the commit: two statements on
        # PostgreSQL (_head_locked, _append); a hot path appends its entry right before it commits
        seq, previous = _head_locked(key)
        fields = {
            "seq": seq + 1,
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
            "prev_hash": previous,
        }
        entry = AuditEntry(chain=key, hash=entry_hash(**fields), **fields)
        _append(entry)
    return entry


def _head_locked(key: str) -> tuple[int, str]:
    """The chain head's ``(seq, hash)``, its row locked until the transaction ends (the row is
    created for a new chain)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            prepared.execute(cursor, _HEAD_LOCK, [key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]), row[1]
    head, _ = AuditHead.objects.select_for_update().get_or_create(key=key)
    return head.seq, head.hash


_HEAD_TABLE = AuditHead._meta.db_table
_HEAD_LOCK = f"SELECT seq, hash FROM {_HEAD_TABLE} WHERE key = %s FOR UPDATE"  # noqa: S608
_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def _append_sql() -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _ENTRY_FIELDS)
    marks = ", ".join(["%s"] * len(_ENTRY_FIELDS))
    return (  # names from the models' metadata only; every value is a parameter
        f"WITH e AS (INSERT INTO {AuditEntry._meta.db_table} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"RETURNING id) UPDATE {_HEAD_TABLE} SET seq = %s, hash = %s WHERE key = %s "
        "RETURNING (SELECT id FROM e)"
    )


def _append(entry: AuditEntry) -> None:
    """Insert ``entry`` and move its chain's head to it (the head locked by the caller): one
    statement on PostgreSQL, two elsewhere."""
    if connection.vendor != "postgresql":
        entry.save(force_insert=True)
        AuditHead.objects.filter(key=entry.chain).update(seq=entry.seq, hash=entry.hash)
        return
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
    with connection.cursor() as cursor:
        prepared.execute(cursor, _append_sql(), [*params, entry.seq, entry.hash, entry.chain])
        row = cursor.fetchone()
    entry.pk = row[0]
    entry._state.adding, entry._state.db = False, connection.alias


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
