"""The rights of the person the data is about (GDPR art. 15-17): one archive of everything the
platform holds about them, and erasure where the law allows it.

Each app gives its own share through its selectors: the account (``sekap.accounts``), the
correspondence, cases and staff access (``documents.selectors.subject``), payments
(``payments.selectors``), and the apps named in ``SEKAP_SUBJECT_DATA`` (the helpdesk's
tickets); the portal adds the profile, its change history and the drafts.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.selectors.subject import subject_correspondence, subject_registered
from payments.selectors import subject_payments
from sekap import audit
from sekap.accounts.models import User
from sekap.accounts.selectors import subject_account
from sekap.accounts.services import account_anonymise
from sekap.audit.selectors import history_of
from sekap.errors import DomainError

from ..models import Draft, IdentityChallenge, Profile

PROFILE_CHANGED = "portal.profile.changed"


class ErasureRefused(DomainError):
    code = "privacy.erasure_refused"
    message = gettext_lazy("Your data cannot be erased.")
    status = 409


@dataclass(frozen=True)
class SubjectExport:
    filename: str
    content: bytes


def profile_history(*, user: User) -> list[dict]:
    """The person's own corrections of their profile (rectification, GDPR art. 16), newest
    first, each with the values before and after."""
    return [
        {"at": e.created_at.isoformat(), "before": e.before, "after": e.after}
        for e in history_of(target=user, actions=[PROFILE_CHANGED])
    ]


def _drafts(user: User, files: dict[str, bytes]) -> list[dict]:
    rows = []
    for draft in Draft.objects.filter(owner=user).select_related("service__office"):
        row = {
            "id": draft.pk,
            "service": draft.service.title,
            "office": draft.service.office.name,
            "status": draft.status,
            "created_at": draft.created_at.isoformat(),
            "updated_at": draft.updated_at.isoformat(),
            "answers": draft.data,
            "document": None,
        }
        if draft.document:
            path = f"robocze/{draft.pk}.xml"
            files[path] = bytes(draft.signed_document or draft.document)
            row["document"] = path
        rows.append(row)
    return rows


@transaction.atomic
def subject_export(*, user: User) -> SubjectExport:
    """A ZIP: ``dane.json`` with every kind of record, and the original files it names."""
    correspondence = subject_correspondence(user=user)
    files: dict[str, bytes] = dict(correspondence.files)
    profile = Profile.objects.filter(user=user).first()
    data = {
        "generated_at": timezone.now().isoformat(),
        "account": subject_account(user=user),
        "profile": profile.address if profile else {},
        "profile_history": profile_history(user=user),
        "drafts": _drafts(user, files),
        **correspondence.data,
        "payments": subject_payments(payer=user),
    }
    for path in settings.SEKAP_SUBJECT_DATA:
        data.update(import_string(path)(user=user))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dane.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for path, content in sorted(files.items()):
            archive.writestr(path, content)
    audit.record(
        actor=user,
        action="portal.subject.exported",
        target=user,
        after={"files": len(files), "submissions": len(data["submissions"])},
    )
    return SubjectExport(
        filename=f"sekap-moje-dane-{timezone.localdate():%Y-%m-%d}.zip",
        content=buffer.getvalue(),
    )


def erasure_refusal(*, user: User) -> str:
    """Why the person's data cannot be erased, or "" when it can."""
    if subject_registered(user=user):
        return _(
            "You have applications or cases registered by an office. The office must keep its "
            "register and case files for the period of their archival category (the Act of 14 "
            "July 1983 on the national archival resource and archives), so your account and the "
            "data in them cannot be erased (art. 17(3)(b) RODO). You can correct your data in "
            "your profile."
        )
    if subject_payments(payer=user):
        return _(
            "You have payment orders. Offices keep accounting records for the period the "
            "Accounting Act requires, so your account cannot be erased yet (art. 17(3)(b) RODO)."
        )
    return ""


def subject_erase(*, user: User) -> User:
    """Erase the person's account, profile and drafts, or raise ``ErasureRefused`` with the
    reason when the law keeps their records (the refusal is audited too)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        reason = erasure_refusal(user=user)
        if not reason:
            Draft.objects.filter(owner=user).delete()
            IdentityChallenge.objects.filter(user=user).delete()
            Profile.objects.filter(user=user).delete()
            for path in settings.SEKAP_SUBJECT_ERASERS:
                import_string(path)(user=user)
            return account_anonymise(
                user=user, acting=user, reason="data subject's request (art. 17 RODO)"
            )
    with transaction.atomic():
        audit.record(
            actor=user,
            action="portal.subject.erasure_refused",
            target=user,
            after={"reason": reason},
        )
    raise ErasureRefused(reason)
