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
# What a result row shows: the case's sign (with its link), title, office, status, opening.
RESULT_COLUMNS = ("id", "sign", "title", "status", "opened_at", "office__name")


def _words(q: str) -> list[str]:
    """The words of the query (a lone dash or dot is no word: full text drops it too)."""
    return [w for w in _WORD.findall(q) if any(c.isalnum() for c in w)][:MAX_WORDS]


def _tsquery(words: list[str], *, prefix: bool = True) -> str:
    """``a & b & c:*`` with every word quoted (no operator of the user's text survives)."""
    quoted = ["'" + w.replace("'", "") + "'" for w in words]
    if prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


_TSQUERY = "to_tsquery('simple'::regconfig, documents_unaccent(%s))"
# The whole query on the stored vector, and only the words before the last as the index
# lookup: a prefix (the last word) is a partial match the GIN index answers by reading the
# posting lists of every word it begins, tens of thousands of rows for a common street or
# name. With a whole word beside it, the index finds the rows of the whole words and
# ``ts_match_vq`` (the function behind ``@@``, which no index matches) checks the rest on
# those rows alone.
_MATCH_ONE = f"documents_case.search_vector @@ {_TSQUERY}"
_MATCH_MANY = (
    f"documents_case.search_vector @@ {_TSQUERY} "
    f"AND ts_match_vq(documents_case.search_vector, {_TSQUERY})"
)


def _fts(words: list[str]) -> RawSQL:
    if len(words) == 1:
        return RawSQL(_MATCH_ONE, [_tsquery(words)], output_field=BooleanField())  # noqa: S611
    return RawSQL(  # noqa: S611 (constant SQL, the words are parameters)
        _MATCH_MANY,
        [_tsquery(words[:-1], prefix=False), _tsquery(words)],
        output_field=BooleanField(),
    )


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
        cases = cases.filter(Q(_fts(words)) | Q(sign__startswith=q.strip()))
    else:
        for word in words:
            cases = cases.filter(search_text__icontains=word)
    cases = cases.select_related(None).select_related("office").only(*RESULT_COLUMNS)
    return cases.order_by("-opened_at", "-pk")
