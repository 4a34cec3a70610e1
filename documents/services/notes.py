"""Internal notes on a case (staff only; the parties never see them)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sekap import audit
from sekap.errors import NotAllowed

from ..errors import CaseActionRefused
from ..models import Case, CaseNote
from ..selectors.visibility import cases_visible_to
from .history import position_of

MAX_NOTE = 5000


@transaction.atomic
def case_note_add(*, case: Case, author, text: str) -> CaseNote:
    if not cases_visible_to(staff=author).filter(pk=case.pk).exists():
        raise NotAllowed()
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise CaseActionRefused()
    note = CaseNote.objects.create(
        case=case,
        author=author,
        author_label=(author.get_full_name() or author.email)[:200],
        author_position=position_of(user=author, case=case),
        text=text,
        created_at=timezone.now(),
    )
    audit.record(
        actor=author, action="documents.case_note_added", target=case, after={"note": note.pk}
    )
    return note
