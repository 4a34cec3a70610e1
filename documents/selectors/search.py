"""Search over the cases a person may see: signs, titles, parties and documents' text.

PostgreSQL: full text over ``Case.search_text`` with diacritics ignored (``unaccent``): the
stored vector ``documents_case.search_vector`` and its GIN index (migration 0022); every word
must match, the last one as a prefix. The planner has statistics on the words, so a rare word
(a name) is looked up in the GIN index and a frequent one is checked along the office's
newest-first index until a page is full. SQLite (the
embedded mode): every word as a case-insensitive substring. Either way the visibility rule
comes first, so a clerk never finds another office's case.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Case
from .visibility import cases_visible_to

_WORD = re.compile(r"[\w./-]+", re.UNICODE)
MAX_WORDS = 8


def _words(q: str) -> list[str]:
    return _WORD.findall(q)[:MAX_WORDS]


def _tsquery(words: list[str]) -> str:
    """``a & b & c:*`` with every word quoted (no operator of the user's text survives)."""
    quoted = ["'" + w.replace("'", "") + "'" for w in words]
    quoted[-1] += ":*"
    return " & ".join(quoted)


def cases_search(
    *,
    staff,
    q: str,
    office_id: int | None = None,
    department_id: int | None = None,
    status: str = "",
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
) -> QuerySet[Case]:
    cases = cases_visible_to(staff=staff)
    if office_id:
        cases = cases.filter(office_id=office_id)
    if department_id:
        cases = cases.filter(department_id=department_id)
    if status:
        cases = cases.filter(status=status)
    if opened_from:
        cases = cases.filter(opened_at__date__gte=opened_from)
    if opened_to:
        cases = cases.filter(opened_at__date__lte=opened_to)
    words = _words(q)
    if not words:
        return cases.none()
    if connection.vendor == "postgresql":
        # Signs are words with dots ("OR.1431.5.2024"): the parser splits them, so a sign
        # typed in full also matches through the prefix of the sign column.
        fts = RawSQL(
            "documents_case.search_vector "
            "@@ to_tsquery('simple'::regconfig, documents_unaccent(%s))",
            [_tsquery(words)],
            output_field=BooleanField(),
        )
        cases = cases.filter(Q(fts) | Q(sign__startswith=q.strip()))
    else:
        for word in words:
            cases = cases.filter(search_text__icontains=word)
    cases = cases.select_related(None).select_related("office").defer("search_text")
    return cases.order_by("-opened_at", "-pk")
