from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertauthConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certauth"
    verbose_name = _("Certificate authority")
