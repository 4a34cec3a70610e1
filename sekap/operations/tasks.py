"""Beat jobs of the data centre."""

from __future__ import annotations

from celery import shared_task

from sekap.storage import storage_usage_record, unreferenced_documents_collect

from .backups import backup_create


@shared_task(ignore_result=True, acks_late=True)
def nightly_backup() -> str:
    """One backup (each run makes its own directory, so a repeated run only adds a copy)."""
    return str(backup_create().path)


@shared_task(ignore_result=True, acks_late=True)
def storage_usage_measure() -> int:
    """Measure the document storage's objects and bytes for the metrics (idempotent)."""
    return storage_usage_record().objects


@shared_task(ignore_result=True, acks_late=True)
def documents_collect() -> int:
    """Delete stored documents no row names, past the grace period (idempotent)."""
    return unreferenced_documents_collect()
