"""Beat jobs of accounts."""

from __future__ import annotations

from celery import shared_task

from . import retention


@shared_task(ignore_result=True)
def inactive_accounts_retention() -> dict:
    """Warn, then deactivate, accounts unused for years (idempotent)."""
    return {
        "warned": retention.inactive_accounts_warn(),
        "deactivated": retention.inactive_accounts_deactivate(),
    }
