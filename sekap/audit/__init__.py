"""The audit trail. ``record`` is the only writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_collecting: ContextVar[list | None] = ContextVar("audit_collecting", default=None)


def record(
    *,
    actor: Any = None,
    action: str,
    target: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    office_id: int | None = None,
) -> Any:
    entries = _collecting.get()
    if entries is not None and actor is None and office_id is None:
        entries.append(_collected(action=action, target=target, before=before, after=after))
        return None
    from .services import record as _record

    return _record(
        actor=actor, action=action, target=target, before=before, after=after, office_id=office_id
    )


def record_many(*, actor: Any = None, entries: list) -> int:
    """Many entries by one actor in one locked, chained bulk insert (see ``services``)."""
    from .bulk import record_many as _record_many

    return _record_many(actor=actor, entries=entries)


def entry(
    action: str, *, target: Any = None, before: dict | None = None, after: dict | None = None
) -> Any:
    """One entry for :func:`record_many`."""
    return _entry_class()(action=action, target=target, before=before, after=after)


def target_ref(*, label: str, pk: int | str, text: str, office_id: int | None = None) -> Any:
    """A target for :func:`entry` named by its parts (model label, key, ``str()``, office)
    instead of a model instance: for set-based work that reads rows, not instances."""
    from .bulk import TargetRef

    return TargetRef(label=label, pk=pk, text=text, office_id=office_id)


@contextmanager
def collected() -> Iterator[list]:
    """Entries by no actor recorded in the block are kept in the list it gives instead of
    written: the caller writes them with :func:`record_many` in the same transaction, in
    order, one head lock per chain (or drops them with the savepoint it rolls back)."""
    entries: list = []
    token = _collecting.set(entries)
    try:
        yield entries
    finally:
        _collecting.reset(token)


def _collected(*, action: str, target: Any, before: dict | None, after: dict | None) -> Any:
    """The entry ``record`` would write, its target described now (as it is at this point)."""
    from .services import _describe_target, office_of

    if target is not None:
        label, pk, text = _describe_target(target)
        target = target_ref(label=label, pk=pk, text=text, office_id=office_of(target))
    return entry(action, target=target, before=before, after=after)


def _entry_class() -> Any:
    global _ENTRY
    if _ENTRY is None:
        from .bulk import Entry

        _ENTRY = Entry
    return _ENTRY


_ENTRY: Any = None


__all__ = ["collected", "entry", "record", "record_many", "target_ref"]
