"""Reads of the helpdesk: a person sees only their own tickets; CPD staff see the queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import AnswerTemplate, FaqEntry, StatusNotice, Ticket, TicketMessage, TicketStatus
from .permissions import can_work_tickets


def tickets_of(*, user: Any) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(requester=user)


def ticket_of(*, user: Any, pk: int) -> Ticket | None:
    """The person's own ticket, or None (guessing another's number finds nothing)."""
    return tickets_of(user=user).filter(pk=pk).first()


def ticket_messages(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    return ticket.messages.select_related("author")


def queue(*, staff: Any, status: str = "", mine: bool = False) -> QuerySet[Ticket]:
    if not can_work_tickets(staff):
        return Ticket.objects.none()
    tickets = Ticket.objects.select_related("requester", "assignee")
    if status:
        tickets = tickets.filter(status=status)
    else:
        tickets = tickets.exclude(status=TicketStatus.CLOSED)
    if mine:
        tickets = tickets.filter(assignee=staff)
    return tickets.order_by("created_at", "pk")


def queue_ticket(*, staff: Any, pk: int) -> Ticket | None:
    if not can_work_tickets(staff):
        return None
    return (
        Ticket.objects.select_related("requester", "assignee", "case", "submission")
        .filter(pk=pk)
        .first()
    )


def answer_templates() -> QuerySet[AnswerTemplate]:
    return AnswerTemplate.objects.all()


def faq() -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(published=True)


def status_notices(*, now=None) -> dict[str, list[StatusNotice]]:
    """Current incidents and outages (started, not resolved or ended), planned ones ahead, and
    the last resolved ones."""
    now = now or timezone.now()
    live = StatusNotice.objects.filter(resolved_at__isnull=True)
    current = [n for n in live.filter(starts_at__lte=now) if n.ends_at is None or n.ends_at > now]
    return {
        "current": current,
        "planned": list(live.filter(starts_at__gt=now).order_by("starts_at")),
        "past": list(StatusNotice.objects.filter(resolved_at__isnull=False)[:10]),
    }


def subject_tickets(*, user: Any) -> dict:
    """The person's tickets with every message, for their data export (``SEKAP_SUBJECT_DATA``)."""
    tickets = tickets_of(user=user).prefetch_related("messages")
    return {
        "helpdesk_tickets": [
            {
                "number": t.pk,
                "subject": t.subject,
                "page": t.page,
                "status": t.status,
                "opened_at": t.created_at.isoformat(),
                "messages": [
                    {
                        "at": m.created_at.isoformat(),
                        "from_helpdesk": m.from_helpdesk,
                        "text": m.body,
                    }
                    for m in t.messages.all()
                ],
            }
            for t in tickets.order_by("pk")
        ]
    }
