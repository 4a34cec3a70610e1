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


class TemporarilyUnavailable(DomainError):
    """The database could not be reached or gave up (a restart, a failover): the request may be
    sent again (an API client with the same Idempotency-Key gets one submission, never two)."""

    code = "temporarily_unavailable"
    message = _("The service is briefly unavailable. Send the request again in a moment.")
    status = 503
    retry_after = 5  # seconds


class NotAllowed(DomainError):
    code = "not_allowed"
    message = _("You are not allowed to do this.")
    status = 403
