"""Search over the cases a person may see: signs, titles, parties and documents' text.

PostgreSQL: full text over ``Case.search_text`` with diacritics ignored (``unaccent``): the
stored vector ``documents_case.search_vector`` (migration 0022); every word must match, the
last one as a prefix. Each way the person sees cases (``visibility_branches``: their
departments, their cases, their office, shared with them...) is searched on its own for the
first page, newest first, and the pages are merged: "department 94 and these words" is one
lookup in the GIN index over office, department, assignee and the vector (migration 0025), or,
for a frequent word, a walk of the department's newest-first index until the page is full.
The visibility OR as one condition (its subqueries no index can check) made PostgreSQL read
every row with the words in the office. SQLite (the embedded mode): the visibility rule and
every word as a case-insensitive substring. Either way a clerk never finds a case they may not
see.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression

from ..models import Case
from .visibility import case_scope, visibility_branches, visibility_q

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
_MATCH_ONE = f"{{case}}.search_vector @@ {_TSQUERY}"
_MATCH_MANY = (
    f"{{case}}.search_vector @@ {_TSQUERY} AND ts_match_vq({{case}}.search_vector, {_TSQUERY})"
)


class _CaseSQL(Expression):
    """A condition on ``documents_case`` written in SQL (``{case}``: the table's alias in
    the query that compiles it, ``U0`` in a subquery)."""

    output_field = BooleanField()

    def __init__(self, sql: str, params: list):
        super().__init__()
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection):
        case = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"({self.sql.format(case=case)})", self.params


def _fts(words: list[str]) -> _CaseSQL:
    if len(words) == 1:
        return _CaseSQL(_MATCH_ONE, [_tsquery(words)])
    return _CaseSQL(_MATCH_MANY, [_tsquery(words[:-1], prefix=False), _tsquery(words)])


def _typed(branch: Q, offices) -> Q:
    """The part of ``branch`` in ``offices``, its ids typed as ``bigint`` when it is a list of
    ids of one column (the same condition): the GIN index's ``btree_gin`` columns match only
    ``bigint = bigint``, and the ORM writes ``department_id IN (94)``, an ``integer``. No
    column is named twice: PostgreSQL would count the condition twice and expect next to no
    rows."""
    column, ids = None, None
    if len(branch.children) == 1 and not branch.negated:
        lookup, ids = branch.children[0]
        column = _ID_COLUMNS.get(lookup)
    if column is None or not isinstance(ids, set | frozenset | list | tuple):
        return Q(_ids_in("office_id", offices)) & branch
    if column == "office_id":
        return Q(_ids_in(column, set(ids) & set(offices)))
    return Q(_ids_in("office_id", offices), _ids_in(column, ids))


_ID_COLUMNS = {
    "office_id__in": "office_id",
    "department_id__in": "department_id",
    "assignee_id__in": "assignee_id",
}


def _ids_in(column: str, ids) -> _CaseSQL:
    """``column`` is one of ``ids`` (``bigint``). One id is written ``= id``: PostgreSQL 15
    reads an index in order (newest first) for ``=`` but not for ``= ANY(...)``."""
    ids = sorted(int(i) for i in ids)
    if len(ids) == 1:
        return _CaseSQL(f"{{case}}.{column} = %s::bigint", ids)
    return _CaseSQL(f"{{case}}.{column} = ANY(%s::bigint[])", [ids])


def _filtered(
    cases: QuerySet[Case],
    *,
    office_id: int | None,
    department_id: int | None,
    status: str,
    opened_from: dt.date | None,
    opened_to: dt.date | None,
) -> QuerySet[Case]:
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
    return cases


NEWEST_FIRST = ("-opened_at", "-pk")


def _found_ids(*, scope, q: str, words: list[str], limit: int, **filters) -> QuerySet:
    """The ids of the first ``limit`` visible cases matching, newest first: the union of the
    first ``limit`` of each way the person sees cases (``visibility_branches``) with the
    words, and of those whose sign begins with the query. Each part is one lookup in the GIN
    index over office, department, assignee and the vector (``bigint`` ids, ``_typed``),
    or a walk of a newest-first index when the words are frequent; the visibility OR, whose
    subqueries no index can check, is never one condition."""
    parts = [
        _filtered(Case.objects.filter(_typed(branch, scope.offices), _fts(words)), **filters)
        for branch in visibility_branches(scope)
    ]
    # Signs are words with dots ("OR.1431.5.2024"): the parser splits them, so a sign typed
    # in full also matches through the prefix of the sign column.
    parts.append(
        _filtered(Case.objects.filter(visibility_q(scope), sign__startswith=q.strip()), **filters)
    )
    first, *rest = (part.order_by(*NEWEST_FIRST).values("pk")[:limit] for part in parts)
    return first.union(*rest)


def cases_search(
    *,
    staff,
    q: str,
    office_id: int | None = None,
    department_id: int | None = None,
    status: str = "",
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    limit: int = 50,
) -> QuerySet[Case]:
    """The first ``limit`` cases ``staff`` may see matching ``q`` and the filters, newest
    first."""
    filters = {
        "office_id": office_id,
        "department_id": department_id,
        "status": status,
        "opened_from": opened_from,
        "opened_to": opened_to,
    }
    words = _words(q)
    if not words or not getattr(staff, "is_authenticated", False):
        return Case.objects.none()
    scope = case_scope(staff=staff)
    if not scope.offices:
        return Case.objects.none()
    if connection.vendor == "postgresql":
        cases = Case.objects.filter(
            pk__in=_found_ids(scope=scope, q=q, words=words, limit=limit, **filters)
        )
    else:
        cases = _filtered(Case.objects.filter(visibility_q(scope)), **filters)
        for word in words:
            cases = cases.filter(search_text__icontains=word)
    cases = cases.select_related("office").only(*RESULT_COLUMNS)
    return cases.order_by(*NEWEST_FIRST)[:limit]
