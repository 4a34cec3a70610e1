"""The per-ticket address a person answers a helpdesk e-mail at.

``HELPDESK_REPLY_ADDRESS`` (``pomoc@urzad.example``) gains a tag, ``pomoc+<ticket>-<mac>@…``,
where the MAC (HMAC-SHA256 under ``SECRET_KEY``, 80 bits) binds the ticket to its requester: a
number guessed or copied from another ticket is not an address that reaches it. The mail server
delivers every ``pomoc+…`` address to ``manage.py helpdesk_mail_in`` (docs/operations.md).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "sekap.helpdesk.reply-address"
_MAC_CHARS = 20


def _mac(*, ticket_id: int, requester_id: int) -> str:
    return salted_hmac(_SALT, f"{ticket_id}:{requester_id}", algorithm="sha256").hexdigest()[
        :_MAC_CHARS
    ]


def _parts() -> tuple[str, str]:
    local, _, domain = settings.HELPDESK_REPLY_ADDRESS.rpartition("@")
    return local, domain.lower()


def reply_address(*, ticket: Any) -> str:
    local, domain = _parts()
    mac = _mac(ticket_id=ticket.pk, requester_id=ticket.requester_id)
    return f"{local}+{ticket.pk}-{mac}@{domain}"


def tagged_ticket_id(address: str) -> int | None:
    """The ticket number in one of our tagged addresses, not yet checked (see ``mac_matches``)."""
    local, domain = _parts()
    pattern = rf"{re.escape(local)}\+(\d{{1,12}})-([0-9a-f]{{{_MAC_CHARS}}})@{re.escape(domain)}"
    found = re.fullmatch(pattern, address.strip().lower())
    return int(found.group(1)) if found else None


def mac_matches(address: str, *, ticket: Any) -> bool:
    expected = reply_address(ticket=ticket).lower()
    return hmac.compare_digest(address.strip().lower(), expected)
