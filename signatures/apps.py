from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "signatures"
    verbose_name = _("Electronic signatures")

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from .models import TrustedCertificate
        from .services import forget_validation_policy

        # The cached validation policy (services.validation_policy) follows what it is made of.
        setting_changed.connect(_settings_changed, dispatch_uid="signatures-policy-settings")
        for signal in (post_save, post_delete):
            signal.connect(
                forget_validation_policy,
                sender=TrustedCertificate,
                dispatch_uid=f"signatures-policy-{signal is post_save}",
            )


def _settings_changed(*, setting: str, **_kwargs: object) -> None:
    if setting.startswith("SIGNATURES_"):
        from .services import forget_validation_policy

        forget_validation_policy()
