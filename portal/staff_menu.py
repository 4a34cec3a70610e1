"""The portal's staff screens in the one staff menu (``documents.backoffice.menu``): identity
at the counter and powers of attorney, for anyone who works at an office."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents.backoffice.menu import Entry, Viewer, register


def _at_counter(viewer: Viewer) -> bool:
    return bool(viewer.roles) or bool(getattr(viewer.user, "is_superuser", False))


def register_entries() -> None:
    register(
        Entry(
            key="portal:identity",
            section="register",
            title=_("Identity at the counter"),
            url=lambda: reverse("portal_bo_identity"),
            allowed=_at_counter,
        )
    )
    register(
        Entry(
            key="portal:representations",
            section="register",
            title=_("Powers of attorney"),
            url=lambda: reverse("portal_bo_representations"),
            allowed=_at_counter,
        )
    )
