from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from signatures.models import ValidationBatch


@shared_task(acks_late=True)
def validate_batch(*, batch_id: int) -> None:
    """Validate a stored batch; re-delivery only validates what is still pending."""
    from signatures.services import batch_run

    batch = ValidationBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status == ValidationBatch.Status.DONE:
        return
    batch_run(batch=batch)


@shared_task
def resume_stale_batches(*, older_than_minutes: int = 10) -> int:
    """Beat sweeper: re-dispatch batches left unfinished (a lost message loses nothing)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = ValidationBatch.objects.filter(
        status__in=[ValidationBatch.Status.PENDING, ValidationBatch.Status.RUNNING],
        created_at__lt=cutoff,
    ).values_list("pk", flat=True)
    count = 0
    for batch_id in stale:
        validate_batch.delay(batch_id=batch_id)
        count += 1
    return count
