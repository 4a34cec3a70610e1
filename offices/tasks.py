"""Beat: privileges derived from memberships follow the memberships' validity windows."""

from __future__ import annotations

from celery import shared_task

from .privileges import staff_privileges_refresh as refresh


@shared_task(acks_late=True)
def staff_privileges_refresh() -> int:
    return refresh()
