"""Domain errors: a stable code for programs and a translated message for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    message = _("The operation could not be completed.")
    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    code = "not_allowed"
    message = _("You are not allowed to do this.")
    status = 403
