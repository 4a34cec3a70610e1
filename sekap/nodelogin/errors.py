"""Why the platform refused what came from the node; messages people can act on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError


class NodeLoginRefused(DomainError):
    """The node's answer was not accepted. ``reason`` is logged and audited, never shown."""

    code = "nodelogin.refused"
    message = _(
        "Logging in through login.gov.pl did not succeed: the answer we received could not be "
        "trusted, or it has already been used or has expired. Nothing was changed. Start the "
        "login again."
    )
    status = 400

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class NodeUnavailable(DomainError):
    code = "nodelogin.unavailable"
    message = _(
        "login.gov.pl cannot be reached at the moment. Try again in a few minutes, or log in "
        "with your e-mail address and password."
    )
    status = 503
