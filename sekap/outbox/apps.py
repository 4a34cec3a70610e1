from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """E-mail that is never lost: queued in the caller's transaction, sent after commit,
    retried with backoff by the beat sweep when the mail server fails."""

    name = "sekap.outbox"
    label = "outbox"
    verbose_name = _("Outgoing e-mail")
