from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NodeLoginConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sekap.nodelogin"
    label = "nodelogin"
    verbose_name = _("Login through login.gov.pl")
