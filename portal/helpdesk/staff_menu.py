"""The helpdesk queue in the one staff menu, for CPD staff who work it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents.backoffice.menu import Entry, Viewer, register

from .permissions import can_work_tickets


def _works_tickets(viewer: Viewer) -> bool:
    return can_work_tickets(viewer.user)


def register_entries() -> None:
    register(
        Entry(
            key="helpdesk:queue",
            section="other",
            title=_("Helpdesk tickets"),
            url=lambda: reverse("helpdesk:queue"),
            allowed=_works_tickets,
        )
    )
