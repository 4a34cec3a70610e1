"""Leavers: a member of staff's account closed at once.

``staff_deactivate`` checks the actor's authority over every office the person works in, closes
the account (``sekap.accounts.services.account_deactivate``: inactive, sessions ended, API tokens
revoked) and, in the same transaction, calls each ``settings.SEKAP_LEAVER_HANDLERS`` callable
``(*, user, actor) -> int`` so the apps above hand the person's work back (documents puts their
open cases on their department's unassigned list for the head to reassign).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from sekap.accounts.models import User
from sekap.accounts.services import account_deactivate
from sekap.errors import DomainError, NotAllowed

from .models import Office, StaffMembership
from .selectors import is_cpd_admin, user_manages_office


class SelfDeactivation(DomainError):
    code = "offices.leaver.self"
    message = _("You cannot deactivate your own account.")


class NotStaff(DomainError):
    code = "offices.leaver.not_staff"
    message = _("Only the account of a member of office staff can be deactivated here.")


@dataclass(frozen=True)
class LeaverResult:
    user: User
    sessions_ended: int
    tokens_revoked: int
    handed_back: int  # open cases put back on their department's unassigned list


def may_deactivate(*, actor: User | None, user: User) -> bool:
    """CPD administrators may deactivate any member of staff; an office's administrator those
    who work only in offices they manage (never a CPD administrator)."""
    if actor is None or is_cpd_admin(actor):
        return True
    if is_cpd_admin(user):
        return False
    offices = Office.objects.filter(
        pk__in=StaffMembership.objects.filter(user=user).values("office_id")
    )
    return offices.exists() and all(user_manages_office(actor, office) for office in offices)


@transaction.atomic
def staff_deactivate(*, user: User, actor: User | None, reason: str = "") -> LeaverResult:
    if actor is not None and actor.pk == user.pk:
        raise SelfDeactivation()
    if not StaffMembership.objects.filter(user=user).exists():
        raise NotStaff()
    if not may_deactivate(actor=actor, user=user):
        raise NotAllowed()
    closed = account_deactivate(user=user, actor=actor, reason=reason or "leaver")
    handed_back = sum(
        import_string(path)(user=closed.user, actor=actor)
        for path in settings.SEKAP_LEAVER_HANDLERS
    )
    return LeaverResult(
        user=closed.user,
        sessions_ended=closed.sessions_ended,
        tokens_revoked=closed.tokens_revoked,
        handed_back=handed_back,
    )


def staff_deactivate_many(
    *, users: list[User], actor: User | None, reason: str = ""
) -> list[LeaverResult]:
    """Several leavers in one transaction: all of them or, on any refusal, none."""
    with transaction.atomic():
        return [staff_deactivate(user=user, actor=actor, reason=reason) for user in users]
