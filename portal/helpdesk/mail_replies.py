"""A person's answer to a helpdesk e-mail, received from the mail server.

The MTA hands each message for a tagged address (``mail_addresses``) to
``manage.py helpdesk_mail_in`` as raw RFC 5322 bytes. The answer joins the ticket as if written
in the portal, when and only when: the tag's MAC is right for that ticket, the sender is the
ticket's requester, the message is not an automatic reply, and what remains after cutting the
quoted history is not empty. A second delivery of the same message (same Message-ID) adds
nothing. Every refusal says why, so the command can bounce it with a reason.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.db import IntegrityError
from django.utils.html import strip_tags

from .mail_addresses import mac_matches, tagged_ticket_id
from .models import Ticket, TicketMessage
from .services import ticket_reply

MAX_MESSAGE_BYTES = 2 * 1024 * 1024
MAX_BODY_CHARS = 20_000
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
# Where the quoted history starts in common mail programs (English and Polish).
_QUOTE_START = re.compile(
    r"^(>|On .{1,200} wrote:\s*$|W dniu .{1,200} pisze:\s*$|Dnia .{1,200} napisał\S*:\s*$"
    r"|-{2,} ?(Original Message|Oryginalna wiadomość|Wiadomość oryginalna) ?-{2,}"
    r"|From: .+|Od: .+)",
    re.IGNORECASE,
)


class Outcome(enum.StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"  # delivered before: nothing to do
    AUTOMATIC = "automatic"  # an out-of-office or bounce: dropped without a loop
    NO_TICKET = "no_ticket"  # no tagged address of ours, or a wrong MAC
    WRONG_SENDER = "wrong_sender"
    EMPTY = "empty"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Received:
    outcome: Outcome
    ticket_id: int | None = None
    message_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome in (Outcome.ADDED, Outcome.DUPLICATE, Outcome.AUTOMATIC)


def _is_automatic(message: EmailMessage) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return (
        auto != "no"
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        or not parseaddr(message.get("Return-Path", "x@x"))[1]  # a bounce: null sender
    )


def _ticket(message: EmailMessage) -> Ticket | None:
    for header in _RECIPIENT_HEADERS:
        for _name, address in getaddresses(message.get_all(header, [])):
            ticket_id = tagged_ticket_id(address)
            if ticket_id is None:
                continue
            ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
            if ticket is not None and mac_matches(address, ticket=ticket):
                return ticket
    return None


def answer_text(message: EmailMessage) -> str:
    """The new text of the answer: the plain part (or the HTML one, without tags), cut where
    the quoted history begins, trimmed."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line.rstrip())
    if kept and kept[-1:] == ["--"]:
        kept.pop()
    return "\n".join(kept).strip()[:MAX_BODY_CHARS]


def mail_reply_receive(*, raw: bytes) -> Received:
    """Add the e-mail ``raw`` to its ticket as the requester's answer, or say why not."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return Received(Outcome.TOO_LARGE)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if _is_automatic(message):
        return Received(Outcome.AUTOMATIC)
    ticket = _ticket(message)
    if ticket is None:
        return Received(Outcome.NO_TICKET)
    sender = parseaddr(message.get("From", ""))[1].strip().lower()
    if not sender or sender != (ticket.requester.email or "").strip().lower():
        return Received(Outcome.WRONG_SENDER, ticket_id=ticket.pk)
    message_id = (message.get("Message-ID") or "").strip()[:250]
    if message_id:
        earlier = TicketMessage.objects.filter(ticket=ticket, email_message_id=message_id).first()
        if earlier is not None:
            return Received(Outcome.DUPLICATE, ticket_id=ticket.pk, message_id=earlier.pk)
    text = answer_text(message)
    if not text:
        return Received(Outcome.EMPTY, ticket_id=ticket.pk)
    try:
        added = ticket_reply(
            ticket=ticket, author=ticket.requester, body=text, email_message_id=message_id
        )
    except IntegrityError:  # the same message delivered twice at once: the other one won
        return Received(Outcome.DUPLICATE, ticket_id=ticket.pk)
    return Received(Outcome.ADDED, ticket_id=ticket.pk, message_id=added.pk)
