"""Changes to tickets. ``_move`` is the one transition of a ticket's status; every public
service locks the ticket, checks, changes, audits, and queues mail after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.selectors import cases_for, submissions_for
from sekap import audit
from sekap.outbox.services import mail_queue
from sekap.site import public_url

from .errors import AttachmentRefused, TicketClosed, TicketError
from .mail_addresses import reply_address
from .models import Ticket, TicketMessage, TicketStatus
from .permissions import can_work_tickets

# status -> statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset({TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.ANSWERED: frozenset({TicketStatus.WAITING, TicketStatus.CLOSED}),
    TicketStatus.WAITING: frozenset({TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.WAITING}),
}


def _move(*, ticket: Ticket, to: str, acting: Any) -> None:
    """The one writer of ``Ticket.status`` (the caller holds the row lock)."""
    if to == ticket.status:
        return
    if to not in TRANSITIONS[ticket.status]:
        raise TicketError(_("A ticket cannot move from this status to that one."))
    before = ticket.status
    ticket.status = to
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=acting,
        action="helpdesk.ticket.status",
        target=ticket,
        before={"status": before},
        after={"status": to},
    )


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


def _clean_page(page: str) -> str:
    """Only a path on this site is kept (no scheme, host or fragment)."""
    page = (page or "").strip()
    if not page.startswith("/") or page.startswith("//"):
        return ""
    return page.split("#", 1)[0][:500]


@transaction.atomic
def ticket_open(
    *,
    requester: Any,
    subject: str,
    body: str,
    page: str = "",
    case_id: int | None = None,
    submission_id: int | None = None,
    consent: bool = False,
) -> Ticket:
    """Open a ticket; a case or application is attached only if it is the requester's and they
    consent to the helpdesk seeing it."""
    case = submission = None
    if case_id or submission_id:
        if not consent:
            raise AttachmentRefused()
        if case_id:
            case = cases_for(requester).filter(pk=case_id).first()
            if case is None:
                raise AttachmentRefused()
        if submission_id:
            submission = submissions_for(requester).filter(pk=submission_id).first()
            if submission is None:
                raise AttachmentRefused()
    now = timezone.now()
    ticket = Ticket.objects.create(
        requester=requester,
        subject=subject.strip()[:200],
        page=_clean_page(page),
        case=case,
        submission=submission,
        created_at=now,
        updated_at=now,
    )
    TicketMessage.objects.create(ticket=ticket, author=requester, body=body, created_at=now)
    audit.record(
        actor=requester,
        action="helpdesk.ticket.opened",
        target=ticket,
        after={
            "page": ticket.page,
            "case": case and case.pk,
            "submission": submission and submission.pk,
        },
    )
    return ticket


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, author: Any, body: str, email_message_id: str = ""
) -> TicketMessage:
    """A reply by the requester (reopens a closed ticket) or by CPD staff (e-mailed to the
    requester after commit, answerable by e-mail; the first one sets the first-response time).
    ``email_message_id``: the requester answered by e-mail (``mail_replies``)."""
    ticket = _locked(ticket)
    from_helpdesk = author.pk != ticket.requester_id
    if from_helpdesk and not can_work_tickets(author):
        raise TicketError(_("Only the helpdesk or the person who wrote may reply."))
    if from_helpdesk and ticket.status == TicketStatus.CLOSED:
        raise TicketClosed()
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=author,
        from_helpdesk=from_helpdesk,
        body=body,
        created_at=now,
        email_message_id=email_message_id,
    )
    _move(
        ticket=ticket,
        to=TicketStatus.ANSWERED if from_helpdesk else TicketStatus.WAITING,
        acting=author,
    )
    if from_helpdesk and ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.save(update_fields=["first_response_at"])
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    audit.record(
        actor=author,
        action="helpdesk.ticket.replied",
        target=ticket,
        after={
            "message": message.pk,
            "from_helpdesk": from_helpdesk,
            "channel": "email" if email_message_id else "portal",
        },
    )
    if from_helpdesk and ticket.requester.email:
        mail_queue(
            to=ticket.requester.email,
            reply_to=reply_address(ticket=ticket),
            topic="helpdesk.reply",
            subject=_("SEKAP helpdesk: reply to ticket no. %(number)s") % {"number": ticket.pk},
            body=_(
                "The helpdesk replied to your ticket no. %(number)s (%(subject)s):\n\n%(body)s\n\n"
                "Answer by replying to this e-mail, or read the ticket and answer it at %(url)s"
            )
            % {
                "number": ticket.pk,
                "subject": ticket.subject,
                "body": body,
                "url": public_url(f"/pomoc/zgloszenia/{ticket.pk}/"),
            },
        )
    return message


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: Any | None, acting: Any) -> Ticket:
    if not can_work_tickets(acting) or (assignee is not None and not can_work_tickets(assignee)):
        raise TicketError(_("Tickets are assigned to helpdesk staff only."))
    ticket = _locked(ticket)
    before = ticket.assignee_id
    ticket.assignee = assignee
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["assignee", "updated_at"])
    audit.record(
        actor=acting,
        action="helpdesk.ticket.assigned",
        target=ticket,
        before={"assignee": before},
        after={"assignee": assignee and assignee.pk},
    )
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, acting: Any) -> Ticket:
    """Closed by the helpdesk or by the person who wrote it."""
    if acting.pk != ticket.requester_id and not can_work_tickets(acting):
        raise TicketError(_("Only the helpdesk or the person who wrote may close a ticket."))
    ticket = _locked(ticket)
    _move(ticket=ticket, to=TicketStatus.CLOSED, acting=acting)
    return ticket


def subject_tickets_erase(*, user: Any) -> int:
    """On the person's erasure (``SEKAP_SUBJECT_ERASERS``): their tickets and messages go; the
    helpdesk keeps no record the law requires."""
    tickets = Ticket.objects.filter(requester=user)
    count = tickets.count()
    tickets.delete()
    return count
