from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = _("Correspondence and cases")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import checks, tasks  # noqa: F401  (tasks: registers what documents.dispatch finds)
        from .services import letters  # noqa: F401  (registers the decision conditions)
        from .services.submissions import forget_form_versions

        for signal in (post_save, post_delete):
            signal.connect(
                forget_form_versions,
                sender="forms_platform.FormVersion",
                dispatch_uid=f"documents-forget-versions-{signal is post_save}",
            )
        from payments import signals as payment_signals

        from . import receivers

        for name in ("payments_settled", "payment_overdue", "payment_expired"):
            getattr(payment_signals, name).connect(
                getattr(receivers, name), dispatch_uid=f"documents-{name}"
            )
