from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsPlatformConfig(AppConfig):
    name = "forms_platform"
    verbose_name = _("Form repository")
    default_auto_field = "django.db.models.BigAutoField"
