"""Periodic verification of the audit chain."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import verify_chain

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=False)
def audit_verify_chain() -> dict:
    """Walk the chain; log an error naming the first broken link. Read-only, so idempotent."""
    broken = verify_chain()
    if broken is None:
        return {"ok": True}
    logger.error("Audit chain broken at entry #%s: %s", broken.seq, broken.reason)
    return {"ok": False, "seq": broken.seq, "reason": broken.reason}
