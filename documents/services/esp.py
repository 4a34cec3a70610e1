"""The ESP pull interface for offices that run their own document system (EZD).

Modelled on the ePUAP ``pull`` service: count waiting documents (``OczekujaceDokumenty``),
get the next one (``PobierzNastepny``), confirm its receipt by its SHA-256
(``PotwierdzOdebranie``). Only staff of the office may pull its documents.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from offices.models import Office, StaffRole
from offices.selectors import user_has_role
from sekap import audit
from sekap.errors import NotAllowed

from ..errors import NotFound
from ..models import Submission
from ..selectors import esp_waiting
from .reads import document_read

ESP_ROLES = (StaffRole.REGISTRY_CLERK, StaffRole.OFFICE_ADMIN, StaffRole.HEAD, StaffRole.CLERK)


def esp_check_access(*, user, office: Office) -> None:
    if not any(user_has_role(user, role=role, office=office) for role in ESP_ROLES):
        raise NotAllowed()


def esp_count(*, user, office: Office) -> int:
    esp_check_access(user=user, office=office)
    return esp_waiting(office=office).count()


def esp_next(*, user, office: Office) -> Submission | None:
    """The oldest waiting document; handing it out is a read, logged with who took it."""
    esp_check_access(user=user, office=office)
    submission = (
        esp_waiting(office=office)
        .select_related("service", "case", "register_entry", "receipt")
        .first()
    )
    if submission is not None:
        document_read(reader=user, submission=submission, channel="esp")
    return submission


@transaction.atomic
def esp_confirm(*, user, office: Office, sha256: str) -> Submission:
    """Confirm the oldest waiting document with this SHA-256 (idempotent)."""
    esp_check_access(user=user, office=office)
    sha256 = (sha256 or "").strip().lower()
    submission = (
        Submission.objects.select_for_update()
        .filter(office=office, sha256=sha256)
        .order_by("esp_confirmed_at", "received_at")
        .first()
    )
    if submission is None:
        raise NotFound()
    if submission.esp_confirmed_at is None:
        submission.esp_confirmed_at = timezone.now()
        submission.esp_confirmed_by = user
        submission.save(update_fields=["esp_confirmed_at", "esp_confirmed_by"])
        audit.record(
            actor=user,
            action="documents.esp_confirmed",
            target=submission,
            after={"sha256": sha256, "office": office.pk},
        )
    return submission
