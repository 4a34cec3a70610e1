"""Beat jobs of accounts."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings

from . import retention


@shared_task(ignore_result=True)
def inactive_accounts_retention() -> dict:
    """Warn, then deactivate, accounts unused for years (idempotent)."""
    return {
        "warned": retention.inactive_accounts_warn(),
        "deactivated": retention.inactive_accounts_deactivate(),
    }


@shared_task(ignore_result=True)
def sessions_clear_expired() -> None:
    """Delete the expired sessions (``accounts.UserSession``): logging out deletes a session,
    leaving the browser does not."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
