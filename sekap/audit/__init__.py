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


__all__ = ["record"]
