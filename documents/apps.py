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
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed

        from .backoffice.menu import grants_changed

        user_model = get_user_model()
        for sender in (
            "offices.StaffMembership",
            "offices.OfficeUserObjectPermission",
            "offices.OfficeGroupObjectPermission",
            "offices.Office",
            Group,
        ):
            for signal in (post_save, post_delete):
                signal.connect(
                    grants_changed,
                    sender=sender,
                    dispatch_uid=f"menu-{sender}-{signal is post_save}",
                )
        for through in (
            user_model.groups.through,
            user_model.user_permissions.through,
            Group.permissions.through,
        ):
            m2m_changed.connect(grants_changed, sender=through, dispatch_uid=f"menu-{through}")
        from payments import signals as payment_signals

        from . import receivers

        for name in ("payments_settled", "payment_overdue", "payment_expired"):
            getattr(payment_signals, name).connect(
                getattr(receivers, name), dispatch_uid=f"documents-{name}"
            )
