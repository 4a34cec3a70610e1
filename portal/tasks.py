"""Periodic work of the portal (polled by beat)."""

from __future__ import annotations

from celery import shared_task

from .services import accounts


@shared_task
def unconfirmed_accounts_purge() -> int:
    """Remove accounts whose e-mail address was not confirmed in time (idempotent)."""
    return accounts.unconfirmed_accounts_purge()


@shared_task(ignore_result=True)
def drafts_retention() -> dict:
    """Tell owners of drafts about to expire, delete the expired ones (idempotent)."""
    from .services import retention

    return {
        "told": retention.drafts_expiry_notify(),
        "deleted": retention.drafts_expired_delete(),
    }
