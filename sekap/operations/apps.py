from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """What the data centre runs the platform with: backups and restores (more to come)."""

    name = "sekap.operations"
    label = "operations"
    verbose_name = _("Operations")
