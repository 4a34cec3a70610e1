"""The conditions a workflow step may require (``definition.REQUIREMENTS``), checked on the
locked case when the step is taken.

The module that owns the evidence registers the check (the decisions service registers
``decision_*``); a condition nobody can check is not met, so the step is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from ...models import Case

Check = Callable[[Case], bool]

_CHECKS: dict[str, Check] = {}


def requirement_check(code: str) -> Callable[[Check], Check]:
    """Register the check of a condition (a decorator)."""

    def register(check: Check) -> Check:
        _CHECKS[code] = check
        return check

    return register


def requirements_missing(*, case: Case, requires: tuple[str, ...]) -> list[str]:
    return [code for code in requires if code not in _CHECKS or not _CHECKS[code](case)]
