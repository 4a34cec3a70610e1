"""The audit trail. ``record`` is the only writer."""

from __future__ import annotations

from typing import Any


def record(
    *,
    actor: Any = None,
    action: str,
    target: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    office_id: int | None = None,
) -> Any:
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


def _entry_class() -> Any:
    global _ENTRY
    if _ENTRY is None:
        from .bulk import Entry

        _ENTRY = Entry
    return _ENTRY


_ENTRY: Any = None


__all__ = ["entry", "record", "record_many", "target_ref"]
