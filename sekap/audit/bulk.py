"""Many audit entries at once, for set-based work (``record_many``): the same chains as
``services.record``, one head lock per chain and one bulk insert."""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
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


_DUMPS = functools.partial(json.dumps, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Texts:
    """JSON texts of values that repeat across entries (an action, a shared ``after``),
    made once per call; the object is kept so its ``id`` is not reused meanwhile."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, str]] = {}

    def json(self, value: Any) -> str:
        found = self._by_id.get(id(value))
        if found is None or found[0] is not value:
            found = (value, _DUMPS(value))
            self._by_id[id(value)] = found
        return found[1]


def _hash_and_line(
    *, chain: str, fixed: dict[str, str], seq: int, action: str, target: tuple[str, str, str],
    before: str, after: str, previous: str, texts: _Texts,
) -> tuple[str, str]:  # fmt: skip
    """``chain.entry_hash`` of one entry (its canonical JSON assembled from parts, the same
    bytes as ``json.dumps(payload, sort_keys=True, ...)``) and its COPY line."""
    target_type, target_id, target_repr = target
    blob = (
        f'{{"action":{texts.json(action)},"actor_id":{fixed["actor_id"]},'
        f'"actor_repr":{fixed["actor_repr"]},"after":{after},"before":{before},'
        f'"created_at":{fixed["created_at"]},"ip":{fixed["ip"]},"prev_hash":{_DUMPS(previous)},'
        f'"request_id":{fixed["request_id"]},"seq":{seq},"target_id":{_DUMPS(target_id)},'
        f'"target_repr":{_DUMPS(target_repr)},"target_type":{texts.json(target_type)}}}'
    )
    digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    line = "\t".join(
        (
            chain.translate(_COPY_ESCAPES),
            str(seq),
            fixed["created_copy"],
            fixed["actor_copy"],
            fixed["actor_repr_copy"],
            action.translate(_COPY_ESCAPES),
            target_type.translate(_COPY_ESCAPES),
            target_id.translate(_COPY_ESCAPES),
            target_repr.translate(_COPY_ESCAPES),
            "\\N" if before == "null" else before.translate(_COPY_ESCAPES),
            "\\N" if after == "null" else after.translate(_COPY_ESCAPES),
            fixed["request_copy"],
            fixed["ip_copy"],
            previous.translate(_COPY_ESCAPES),
            digest,
        )
    )
    return digest, line


def _record_many_copy(
    *, by_chain: dict[str, list[Entry]], actor_id: int | None, actor_repr: str, context: Any
) -> int:
    """``record_many`` on PostgreSQL: the hash of each entry built from precomputed parts and
    the rows written as COPY text directly (the generic ``insert_rows`` converts each of the
    fifteen values of a row through the ORM's field preparation)."""
    now = timezone.now()
    texts = _Texts()

    def copy_text(value: Any) -> str:
        return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)

    fixed = {
        "actor_id": _DUMPS(actor_id),
        "actor_repr": _DUMPS(actor_repr),
        "created_at": _DUMPS(now.isoformat(timespec="microseconds")),
        "ip": _DUMPS(context.ip),
        "request_id": _DUMPS(context.request_id),
        "created_copy": now.isoformat(),
        "actor_copy": copy_text(actor_id),
        "actor_repr_copy": copy_text(actor_repr),
        "request_copy": copy_text(context.request_id),
        "ip_copy": copy_text(context.ip),
    }
    lines: list[str] = []
    for key in sorted(by_chain):
        head, _ = AuditHead.objects.select_for_update().get_or_create(key=key)
        seq, previous = head.seq, head.hash
        for entry in by_chain[key]:
            seq += 1
            before, after = entry.before, entry.after
            previous, line = _hash_and_line(
                chain=key,
                fixed=fixed,
                seq=seq,
                action=entry.action,
                target=_describe(entry.target),
                before=texts.json(before) if _is_plain(before) else _DUMPS(_json_value(before)),
                after=texts.json(after) if _is_plain(after) else _DUMPS(_json_value(after)),
                previous=previous,
                texts=texts,
            )
            lines.append(line)
        head.seq, head.hash = seq, previous
        head.save(update_fields=["seq", "hash"])
    connection = connections[router.db_for_write(AuditEntry)]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(AuditEntry._meta.get_field(name).column) for name in _BULK_FIELDS
    )
    with connection.cursor() as cursor:
        for start in range(0, len(lines), 20000):
            chunk = lines[start : start + 20000]
            cursor.cursor.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN", io.StringIO("\n".join(chunk) + "\n")
            )
    return len(lines)


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
        if connections[router.db_for_write(AuditEntry)].vendor == "postgresql":
            return _record_many_copy(
                by_chain=by_chain, actor_id=actor_id, actor_repr=actor_repr, context=context
            )
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
