"""The beat sweep of deliveries: moves every row whose ``due_at`` has come, idempotently.

* platform rule, waiting: after 7 days from the first notice the second notice (an e-mail and
  the history line); after 14 days, moved off Saturdays and holidays, deemed delivered;
* e-Doręczenia: sent (again) if still pending, else the operator's evidence is read (collection,
  or the proof of receipt issued the day after 14 days from arrival).

Running it twice, or in two workers at once, moves each row once (locked transitions that check
the status); a row whose step fails stays due and is tried on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from ...errors import DeliveryRefused, DeliveryUnavailable
from ...models import Delivery, DeliveryChannel, DeliveryRule, DeliveryStatus
from .electronic import edoreczenia_sync
from .rules import kpa_deemed_on, start_of
from .states import delivery_transition

logger = logging.getLogger(__name__)
BATCH = 200


def _platform_step(delivery_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("office")
            .filter(pk=delivery_id, due_at__lte=now)
            .first()
        )
        if delivery is None:
            return False
        first = timezone.localdate(delivery.first_notice_at)
        deemed_on = kpa_deemed_on(first_notice_on=first)
        if delivery.status == DeliveryStatus.AVAILABLE:
            delivery_transition(
                delivery=delivery,
                to=DeliveryStatus.SECOND_NOTICE,
                second_notice_at=now,
                due_at=start_of(deemed_on + dt.timedelta(days=1)),
            )
            transaction.on_commit(lambda: _second_notice(delivery_id))
            return True
        if delivery.status == DeliveryStatus.SECOND_NOTICE:
            delivery_transition(
                delivery=delivery,
                to=DeliveryStatus.DEEMED,
                deemed_at=now,
                delivered_on=deemed_on,
                rule=DeliveryRule.PLATFORM_DEEMED,
                due_at=None,
            )
            return True
        Delivery.objects.filter(pk=delivery_id).update(due_at=None)
        return False


def _second_notice(delivery_id: int) -> None:
    from ...dispatch import dispatch_delivery_notice

    dispatch_delivery_notice(delivery_id)


def delivery_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Move every delivery due by ``now`` (default: the present moment)."""
    now = now or timezone.now()
    moved = {"platform": 0, "edoreczenia": 0, "unavailable": 0}
    due = list(
        Delivery.objects.filter(due_at__lte=now)
        .exclude(status__in=(DeliveryStatus.DELIVERED, DeliveryStatus.DEEMED))
        .order_by("due_at", "pk")
        .values_list("pk", "channel")[:BATCH]
    )
    for pk, channel in due:
        if channel == DeliveryChannel.PLATFORM:
            # a late sweep may owe two steps (the second notice, then the deemed delivery)
            for _ in range(2):
                try:
                    if not _platform_step(pk, now):
                        break
                except DeliveryRefused:
                    break
                moved["platform"] += 1
        elif channel == DeliveryChannel.EDORECZENIA:
            try:
                edoreczenia_sync(delivery_id=pk)
                moved["edoreczenia"] += 1
            except DeliveryUnavailable:
                moved["unavailable"] += 1
                logger.warning("e-Doręczenia unavailable for delivery %s; stays due", pk)
    return moved


__all__ = ["delivery_sweep"]
