"""Beat: keep the node's metadata fresh (idempotent; an unchanged document only touches
``fetched_at``; a fetch or verification failure keeps the last good metadata), and purge the
login's expired records (idempotent)."""

from __future__ import annotations

from celery import shared_task

from .errors import NodeUnavailable
from .metadata import node_metadata_refresh as refresh
from .records import login_records_purge as purge


@shared_task(bind=True, acks_late=True, max_retries=5)
def node_metadata_refresh(self) -> str:
    try:
        row = refresh()
    except NodeUnavailable as exc:
        raise self.retry(exc=exc, countdown=60 * (2**self.request.retries)) from exc
    return row.sha256 if row is not None else ""


@shared_task(acks_late=True)
def login_records_purge() -> dict[str, int]:
    result = purge()
    return {"used_messages": result.used_messages, "node_sessions": result.node_sessions}
