"""Reports on case work: per office and department (for the office's staff) and the public
transparency figures of an office (no personal data: counts, shares and medians only)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from ..models import Case
from .visibility import cases_visible_to
from .worklists import CLOSED_STATUSES

DUE_SOON_DAYS = 7
HANDLED_WINDOW_DAYS = 365


@dataclass
class DepartmentRow:
    department_id: int
    symbol: str
    name: str
    open: int
    overdue: int
    due_soon: int
    median_days: float | None


@dataclass
class ServiceRow:
    title: str
    count: int


@dataclass
class OfficeReport:
    office_id: int
    departments: list[DepartmentRow]
    services: list[ServiceRow]

    @property
    def totals(self) -> dict[str, int]:
        return {
            key: sum(getattr(row, key) for row in self.departments)
            for key in ("open", "overdue", "due_soon")
        }


def _median_days(durations) -> float | None:
    days = [d.total_seconds() / 86400 for d in durations if d is not None]
    return round(statistics.median(days), 1) if days else None


def office_report(*, staff, office_id: int, today: dt.date | None = None) -> OfficeReport:
    """The office's figures over the cases ``staff`` may see there (a department head sees
    their departments, the registry and the head of the office the whole office)."""
    today = today or timezone.localdate()
    cases = cases_visible_to(staff=staff).filter(office_id=office_id).order_by()
    open_q = ~Q(status__in=CLOSED_STATUSES)
    rows = (
        cases.values("department_id", "department__symbol", "department__name")
        .annotate(
            open=Count("pk", filter=open_q),
            overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
            due_soon=Count(
                "pk",
                filter=open_q
                & Q(deadline__gte=today, deadline__lte=today + dt.timedelta(DUE_SOON_DAYS)),
            ),
        )
        .order_by("department__symbol")
    )
    since = timezone.now() - dt.timedelta(days=HANDLED_WINDOW_DAYS)
    durations: dict[int, list] = {}
    for department_id, opened, closed in cases.filter(
        status__in=CLOSED_STATUSES, closed_at__gte=since
    ).values_list("department_id", "opened_at", "closed_at"):
        durations.setdefault(department_id, []).append(closed - opened if closed else None)
    departments = [
        DepartmentRow(
            department_id=r["department_id"],
            symbol=r["department__symbol"],
            name=r["department__name"],
            open=r["open"],
            overdue=r["overdue"],
            due_soon=r["due_soon"],
            median_days=_median_days(durations.get(r["department_id"], [])),
        )
        for r in rows
    ]
    services = [
        ServiceRow(title=r["service__title"], count=r["n"])
        for r in cases.values("service__title").annotate(n=Count("pk")).order_by("-n")[:15]
    ]
    return OfficeReport(office_id=office_id, departments=departments, services=services)


@dataclass
class Transparency:
    handled: int
    within_deadline: int
    median_days: float | None

    @property
    def share_within_deadline(self) -> float | None:
        return round(100 * self.within_deadline / self.handled, 1) if self.handled else None


def office_transparency(*, office_id: int, days: int = HANDLED_WINDOW_DAYS) -> Transparency:
    """Cases the office closed in the last ``days`` days: how many, how many within their
    legal deadline (a case without one counts as within), and the median time in days."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = list(
        Case.objects.filter(
            office_id=office_id, status__in=CLOSED_STATUSES, closed_at__gte=since
        ).values_list("opened_at", "closed_at", "deadline")
    )
    within = sum(
        1
        for _o, closed, deadline in rows
        if deadline is None or timezone.localdate(closed) <= deadline
    )
    return Transparency(
        handled=len(rows),
        within_deadline=within,
        median_days=_median_days([closed - opened for opened, closed, _d in rows]),
    )
