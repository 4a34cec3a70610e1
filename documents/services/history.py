"""The case history (metryka) writer: the one low module every case service appends through.

Nothing here imports other services of the app, so register, delivery, workflow, letters and
archive services can all record what they did without depending on one another.

A line names the person and their position in the office at the moment they acted (the
metryka's "imię, nazwisko, stanowisko", Dz.U. 2012 poz. 250); a deputy acting during an
absence is recorded with the person they stood in for ("X for Y"). Rows are never changed:
the database refuses UPDATE and DELETE of them (migration 0007). Each line also refreshes the
case's search text (``services.search``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case as Choose
from django.db.models import IntegerField, Value, When
from django.utils import timezone

from offices.models import Deputy
from offices.selectors import memberships_active

from ..models import Case, CaseEvent
from ..texts import event_text_of_record
from .search import case_search_index


def _person(user) -> str:
    return (user.get_full_name() or user.email)[:200]


def position_of(*, user, case: Case) -> str:
    """The person's position in the case's office today: the title written on their
    membership, else the role's name; the membership in the case's department first."""
    membership = (
        memberships_active(user=user)
        .filter(office_id=case.office_id)
        .annotate(
            here=Choose(
                When(department_id=case.department_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("here", "pk")
        .first()
    )
    if membership is None:
        return ""
    return (membership.position or membership.get_role_display())[:200]


def standing_in_for(*, actor, case: Case):
    """The case's handler when ``actor`` acts on it as their deputy right now, else None."""
    if not case.assignee_id or case.assignee_id == actor.pk:
        return None
    now = timezone.now()
    deputy = (
        Deputy.objects.filter(
            deputy=actor, principal_id=case.assignee_id, valid_from__lte=now, valid_to__gt=now
        )
        .select_related("principal")
        .first()
    )
    return deputy.principal if deputy else None


def case_event(
    *,
    case: Case,
    action: str,
    params: dict,
    actor=None,
    on_behalf_of=None,
    document_ref: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append a history line: what happened as ``action`` + ``params`` (said in the reader's
    language, documents.texts) and its Polish sentence as the text of record. A deputy acting
    on the case of the person they stand in for is recorded on that person's behalf."""
    if on_behalf_of is None and actor is not None:
        on_behalf_of = standing_in_for(actor=actor, case=case)
    event = CaseEvent.objects.create(
        case=case,
        at=at or timezone.now(),
        actor=actor,
        actor_label=_person(actor) if actor is not None else "",
        actor_position=position_of(user=actor, case=case) if actor is not None else "",
        on_behalf_of=on_behalf_of,
        on_behalf_of_label=_person(on_behalf_of) if on_behalf_of is not None else "",
        action=action,
        description=event_text_of_record(action=action, params=params)[:500],
        params=params,
        document_ref=document_ref[:100],
    )
    case_search_index(case=case)  # whatever the step changed is searchable from now on
    return event


def case_events_add(*, events: list[tuple[Case, str, dict, str]]) -> list[CaseEvent]:
    """Append history lines by no actor, ``(case, action, params, document_ref)`` each, in
    one insert. The caller indexes the cases' search text (a batch opening cases writes it
    with them)."""
    now = timezone.now()
    return CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            at=now,
            action=action,
            description=event_text_of_record(action=action, params=params)[:500],
            params=params,
            document_ref=document_ref[:100],
        )
        for case, action, params, document_ref in events
    )
