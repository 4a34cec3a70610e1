"""Certificate profiles edited by administrators: every change lands in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from sekap import audit

from ..models import Profile


def profile_snapshot(profile: Profile) -> dict:
    """The audited view of a profile: all its fields (validity, key types, ``four_eyes``...)."""
    return model_to_dict(profile)


@transaction.atomic
def profile_save(*, actor: Any, profile: Profile) -> None:
    """Save a created or changed profile, recording the stored state before and after."""
    before = None
    if profile.pk is not None:
        stored = Profile.objects.select_for_update().filter(pk=profile.pk).first()
        before = profile_snapshot(stored) if stored else None
    profile.save()
    action = "certauth.profile.changed" if before is not None else "certauth.profile.created"
    audit.record(
        actor=actor, action=action, target=profile, before=before, after=profile_snapshot(profile)
    )


@transaction.atomic
def profile_delete(*, actor: Any, profile: Profile) -> None:
    before = profile_snapshot(profile)
    audit.record(actor=actor, action="certauth.profile.deleted", target=profile, before=before)
    profile.delete()
