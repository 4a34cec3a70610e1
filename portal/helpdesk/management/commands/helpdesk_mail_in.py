"""``manage.py helpdesk_mail_in``: the mail server's delivery of an answer to a helpdesk e-mail.

Postfix (or any MTA with a pipe transport) runs it once per message with the raw message on
standard input. The exit status follows ``sysexits.h``, which the MTA understands: 0 accepted
(or dropped on purpose: an automatic reply, a repeated delivery), 67 no such ticket address, 77
the sender is not the ticket's author, 65 nothing to add or too large: the MTA bounces those
with the reason printed here, and 75 a temporary failure (the database is down): the MTA keeps
the message and tries again.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from portal.helpdesk.mail_replies import Outcome, mail_reply_receive

EX_DATAERR, EX_NOUSER, EX_TEMPFAIL, EX_NOPERM = 65, 67, 75, 77

_EXIT = {
    Outcome.ADDED: 0,
    Outcome.DUPLICATE: 0,
    Outcome.AUTOMATIC: 0,
    Outcome.NO_TICKET: EX_NOUSER,
    Outcome.WRONG_SENDER: EX_NOPERM,
    Outcome.EMPTY: EX_DATAERR,
    Outcome.TOO_LARGE: EX_DATAERR,
}
_REASON = {
    Outcome.NO_TICKET: "No helpdesk ticket has this address.",
    Outcome.WRONG_SENDER: "Only the person who opened the ticket can answer it by e-mail; "
    "sign in to the portal to write to the helpdesk.",
    Outcome.EMPTY: "The message has no text above the quoted history.",
    Outcome.TOO_LARGE: "The message is too large; attach files in the portal.",
}


class Command(BaseCommand):
    help = "Receive one e-mail answer to a helpdesk ticket (raw message on stdin or --file)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default="-", help="the raw message; - for stdin")

    def handle(self, *args, file: str, **options):
        if file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as handle:
                raw = handle.read()
        try:
            received = mail_reply_receive(raw=raw)
        except DatabaseError as exc:
            self.stderr.write(f"temporary failure, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{received.outcome} ticket={received.ticket_id or '-'}")
        code = _EXIT[received.outcome]
        if code:
            self.stderr.write(_REASON[received.outcome])
            sys.exit(code)
