"""Helpdesk errors people can act on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError


class TicketError(DomainError):
    code = "helpdesk.ticket"
    message = _("The ticket could not be changed.")


class TicketClosed(TicketError):
    code = "helpdesk.ticket_closed"
    message = _("This ticket is closed.")


class AttachmentRefused(TicketError):
    code = "helpdesk.attachment_refused"
    message = _("You can attach only your own case or application, and only with your consent.")
