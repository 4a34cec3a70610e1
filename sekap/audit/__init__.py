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
) -> Any:
    from .services import record as _record

    return _record(actor=actor, action=action, target=target, before=before, after=after)


__all__ = ["record"]
