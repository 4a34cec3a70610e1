"""The case history (metryka) writer: the one low module every case service appends through.

Nothing here imports other services of the app, so register, delivery, workflow, letters and
archive services can all record what they did without depending on one another.
"""

from __future__ import annotations

from django.utils import timezone

from ..models import Case, CaseEvent
from ..texts import event_text_of_record


def case_event(
    *, case: Case, action: str, params: dict, actor=None, document_ref: str = ""
) -> CaseEvent:
    """Append a history line: what happened as ``action`` + ``params`` (said in the reader's
    language, documents.texts) and its Polish sentence as the text of record."""
    label = ""
    if actor is not None:
        label = actor.get_full_name() or actor.email
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        actor_label=label[:200],
        action=action,
        description=event_text_of_record(action=action, params=params)[:500],
        params=params,
        document_ref=document_ref[:100],
    )
