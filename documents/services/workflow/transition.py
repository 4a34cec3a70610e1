"""``case_transition``: the one writer of ``Case.status``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from sekap import audit

from ...errors import (
    TransitionNotFromState,
    TransitionRequirementMissing,
    TransitionRoleRequired,
    TransitionUnknown,
)
from ...models import Case
from ..history import case_event
from .authority import authority_for
from .definition import REQUIREMENTS, ROLES, Transition
from .hooks import TransitionDone, transition_announce
from .requirements import requirements_missing
from .versions import version_current, version_definition


def _name(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


@transaction.atomic
def case_transition(
    *, case: Case, transition: str, actor, reason: str = "", now: dt.datetime | None = None
) -> Case:
    """Take the step ``transition`` of the case's workflow version.

    Checks that the step exists in the version the case pinned, leaves the case's current
    state, that ``actor`` holds one of its roles (``None`` is the system itself; a deputy may
    act for the person they stand in for) and that its conditions are met; then writes the
    status, the case history and the audit entry, and tells the listeners (``hooks``).
    Raises a ``TransitionRefused`` subclass and changes nothing otherwise.
    """
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.workflow_version_id is None:  # a case opened before workflows were data
        case.workflow_version = version_current(service=case.service)
    definition = version_definition(case.workflow_version)
    step: Transition | None = definition.transition(transition)
    if step is None:
        raise TransitionUnknown()
    if case.status not in step.sources:
        raise TransitionNotFromState(state=case.get_status_display())
    authority = authority_for(actor=actor, case=case, roles=step.roles, at=now)
    if authority is None:
        raise TransitionRoleRequired(
            roles=step.roles, names=", ".join(gettext(ROLES[role]) for role in step.roles)
        )
    missing = requirements_missing(case=case, requires=step.requires)
    if missing:
        raise TransitionRequirementMissing(
            missing=missing, names=", ".join(gettext(REQUIREMENTS[code]) for code in missing)
        )
    source = case.status
    target = definition.states[step.target]
    case.status = target.code
    case.closed_at = now if target.terminal else None
    case.save(update_fields=["status", "workflow_version", "closed_at", "updated_at"])
    params = {"transition": step.code, "from": source, "to": target.code}
    if reason:
        params["reason"] = reason[:300]
    if authority.on_behalf_of is not None:
        params["on_behalf_of"] = _name(authority.on_behalf_of)
    case_event(case=case, action="status", params=params, actor=actor, at=now)
    audit.record(
        actor=actor,
        action="documents.case_transition",
        target=case,
        before={"status": source},
        after={
            "status": target.code,
            "transition": step.code,
            "workflow_version": case.workflow_version_id,
            "role": authority.role,
            "on_behalf_of": getattr(authority.on_behalf_of, "pk", None),
            "reason": reason[:300],
        },
    )
    transition_announce(
        TransitionDone(
            case=case,
            transition=step.code,
            source=source,
            target=target.code,
            actor=actor,
            on_behalf_of=authority.on_behalf_of,
            reason=reason,
            at=now,
            clock_was_running=definition.states[source].clock
            if source in definition.states
            else True,
            clock_runs=target.clock,
        )
    )
    return case


def transitions_available(*, case: Case, actor, now: dt.datetime | None = None) -> list[Transition]:
    """The steps of the case's version that leave its state and that ``actor`` may take
    (their conditions are checked when taken)."""
    now = now or timezone.now()
    version = case.workflow_version or version_current(service=case.service)
    definition = version_definition(version)
    return [
        step
        for step in definition.leaving(case.status)
        if "system" not in step.roles or len(step.roles) > 1
        if authority_for(actor=actor, case=case, roles=step.roles, at=now) is not None
    ]
