from axes import apps as _axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import apps as _otp_totp_apps


class AccountsConfig(AppConfig):
    default = True  # this module also holds the configs below
    default_auto_field = "django.db.models.BigAutoField"
    name = "sekap.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from sekap import site  # noqa: F401  (registers the SITE_URL system check)

        from . import session_db, signals  # noqa: F401  (session_db: the engine's check)


# Third-party apps without a translatable name: the admin's index would show "Axes" and
# "Otp_Totp". The same apps, named in the UI language (INSTALLED_APPS points here).
class AxesConfig(_axes_apps.AppConfig):
    verbose_name = _("Login lockouts")


class OTPTOTPConfig(_otp_totp_apps.DefaultConfig):
    verbose_name = _("Two-step login (TOTP)")

    def ready(self) -> None:
        super().ready()
        # django-otp names its model in plain English, out of any catalogue's reach. Setting the
        # names on ``_meta`` (not ``original_attrs``, which migrations read) names it in the UI
        # language without a migration in django-otp; its field labels are set in our admin.
        opts = self.get_model("TOTPDevice")._meta
        opts.verbose_name = _("TOTP device")
        opts.verbose_name_plural = _("TOTP devices")
