"""Who works the helpdesk's queue: CPD staff holding ``helpdesk.work_tickets``."""

from __future__ import annotations

from typing import Any

WORK_PERMISSION = "helpdesk.work_tickets"


def can_work_tickets(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_perm(WORK_PERMISSION))
