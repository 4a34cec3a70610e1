"""Listeners told of every status change inside the transition's transaction.

The deadline service listens to stop and restart the legal clock when a case enters or leaves
a state whose ``clock`` is off; listeners must not make network calls (schedule them with
``transaction.on_commit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ...models import Case


@dataclass(frozen=True)
class TransitionDone:
    case: Case
    transition: str
    source: str
    target: str
    actor: object | None
    on_behalf_of: object | None
    reason: str
    at: dt.datetime
    clock_was_running: bool
    clock_runs: bool


Listener = Callable[[TransitionDone], None]

_LISTENERS: list[Listener] = []


def on_transition(listener: Listener) -> Listener:
    """Register a listener (a decorator; registering twice keeps one)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def transition_announce(done: TransitionDone) -> None:
    for listener in list(_LISTENERS):
        listener(done)
