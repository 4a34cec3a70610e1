"""The intake pipeline as gauges (``settings.MONITORING_SOURCES``): one grouped query a scrape."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone

from sekap.monitoring.samples import Sample

from ..models import Stage, Submission


def pipeline_samples() -> list[Sample]:
    """Submissions not completed per stage, those past their retry time, and the oldest's age.

    Every stage is reported (0 when empty) so an alert sees the series disappear only when the
    scrape fails. Stalled: the worker is not moving them (``intake_due_at`` passed).
    """
    now = timezone.now()
    rows = {
        row["stage"]: row
        for row in Submission.objects.filter(stage__lt=Stage.COMPLETED)
        .values("stage")
        .annotate(
            waiting=Count("pk"),
            overdue=Count("pk", filter=Q(intake_due_at__lte=now)),
            oldest=Min("received_at"),
        )
        .order_by()
    }
    samples = []
    for stage in Stage:
        if stage == Stage.COMPLETED:
            continue
        row = rows.get(stage.value, {"waiting": 0, "overdue": 0, "oldest": None})
        labels = {"stage": stage.name.lower()}
        oldest = row["oldest"]
        samples += [
            Sample(
                "sekap_submissions_waiting",
                "Submissions waiting at an intake stage.",
                row["waiting"],
                labels,
            ),
            Sample(
                "sekap_submissions_overdue",
                "Submissions at an intake stage whose retry time has passed (worker not moving).",
                row["overdue"],
                labels,
            ),
            Sample(
                "sekap_submissions_oldest_waiting_seconds",
                "Age of the oldest submission waiting at an intake stage (0 when none).",
                (now - oldest).total_seconds() if oldest else 0.0,
                labels,
            ),
        ]
    return samples
