"""Search over the cases a person may see: signs, titles, parties and documents' text.

PostgreSQL: full text over ``Case.search_text`` with diacritics ignored (``unaccent``): the
stored vector ``documents_case.search_vector`` (migration 0022); every word must match, the
last one as a prefix. Each way the person sees cases (``visibility_branches``: their
departments, their cases, their office, shared with them...) is searched on its own for the
first page, newest first, and the pages are merged. How each is read depends on the words
(``_frequent``, from PostgreSQL's statistics of the vector's lexemes): words common enough
that a page of 50 is found within the first few thousand cases are checked on the way's
cases in date order (the department's, the person's or the office's newest-first index,
``ts_match_vq``, which no index matches), the walk stopping when the page is full; rarer
words are looked up in the GIN index over office, department, assignee and the vector
(migration 0025) and the few rows found sorted. The GIN look-up of a word in a third of the
cases (or of a short prefix) reads hundreds of thousands of postings; the walk of a rare
word reads the whole department. The visibility OR as one condition (its subqueries no index
can check) made PostgreSQL read every row with the words in the office. SQLite (the embedded
mode): the visibility rule and every word as a case-insensitive substring. Either way a
clerk never finds a case they may not see.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import time
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression

from ..models import Case
from .statements import compiled, statement_for, statement_rows
from .visibility import (
    CaseScope,
    case_scope,
    scope_marked,
    scope_values,
    visibility_branches,
    visibility_q,
)

_WORD = re.compile(r"[\w./-]+", re.UNICODE)
MAX_WORDS = 8


def _words(q: str) -> list[str]:
    """The words of the query (a lone dash or dot is no word: full text drops it too)."""
    return [w for w in _WORD.findall(q) if any(c.isalnum() for c in w)][:MAX_WORDS]


def _tsquery(words: list[str], *, prefix: bool = True) -> str:
    """``a & b & c:*`` with every word quoted (no operator of the user's text survives)."""
    quoted = ["'" + w.replace("'", "") + "'" for w in words]
    if prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


# --- How common the words are: PostgreSQL's statistics of the vector's lexemes --------------

# A page is found by a walk in date order when the words match at least this share of the
# cases: 50 rows within ~1,700 of a way's cases (a millisecond or two); below it, the GIN
# index.
FREQUENT = 0.03
_STATS_SECONDS = 600
_STATS_SQL = """
SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
WHERE schemaname = current_schema() AND tablename = 'documents_case'
    AND attname = 'search_vector'
"""
_stats: tuple[float, list[str], list[float], float] | None = None
_LATIN = str.maketrans("łŁđĐøØ", "lLdDoO")


def _lexeme(word: str) -> str:
    """The word as the vector holds it (``documents_unaccent`` and lower case), closely
    enough to look up its frequency (the stroked letters unaccent maps, decomposed marks)."""
    plain = unicodedata.normalize("NFKD", word.translate(_LATIN))
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def _lexeme_stats() -> tuple[list[str], list[float], float]:
    """The vector's most common lexemes (sorted), their frequencies, and the frequency a
    lexeme not among them has at most (read once per process every 10 minutes; ANALYZE
    moves them)."""
    global _stats
    now = time.monotonic()
    if _stats is None or now - _stats[0] > _STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(_STATS_SQL)
            row = cursor.fetchone()
        lexemes, frequencies = (row[0] or [], row[1] or []) if row else ([], [])
        # the frequencies are followed by their minimum and maximum (ts_typanalyze)
        below = frequencies[len(lexemes)] if len(frequencies) > len(lexemes) else 0.0
        pairs = sorted(zip(lexemes, frequencies[: len(lexemes)], strict=True))
        _stats = (now, [x for x, _f in pairs], [f for _x, f in pairs], below)
    return _stats[1], _stats[2], _stats[3]


def _frequency(word: str, *, prefix: bool) -> float:
    lexemes, frequencies, below = _lexeme_stats()
    word = _lexeme(word)
    at = bisect.bisect_left(lexemes, word)
    if not prefix:
        return frequencies[at] if at < len(lexemes) and lexemes[at] == word else below / 2
    total = 0.0  # the lexemes the prefix begins (an upper bound of the share with any)
    while at < len(lexemes) and lexemes[at].startswith(word):
        total, at = total + frequencies[at], at + 1
    return min(1.0, max(total, below / 2))


def _frequent(words: list[str]) -> bool:
    """Whether the words together (as if independent) match ``FREQUENT`` of the cases."""
    last = len(words) - 1
    share = math.prod(_frequency(w, prefix=n == last) for n, w in enumerate(words))
    return share >= FREQUENT


_TSQUERY = "to_tsquery('simple'::regconfig, documents_unaccent(%s))"
# The GIN look-up: of several words, only the rarest is the index condition (the posting
# lists of a word in a third of the cases, or of every word a short prefix begins, are long)
# and ``ts_match_vq`` (the function behind ``@@``, which no index matches) checks the whole
# query on the rows it finds. The walk: ``ts_match_vq`` alone, on each case read in date order.
_MATCH_ONE = f"{{case}}.search_vector @@ {_TSQUERY}"
_MATCH_MANY = (
    f"{{case}}.search_vector @@ {_TSQUERY} AND ts_match_vq({{case}}.search_vector, {_TSQUERY})"
)
_MATCH_WALKED = f"ts_match_vq({{case}}.search_vector, {_TSQUERY})"


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


def _queries(words: list[str], *, walk: bool) -> tuple[str, ...]:
    """The text queries the conditions bind: for a GIN look-up the whole query, or for
    several words first the rarest of them (the last one a prefix), the index condition;
    for a walk, the whole query before those of the look-up past ``CAP``."""
    if walk:
        return (_tsquery(words), *_queries(words, walk=False))
    if len(words) == 1:
        return (_tsquery(words),)
    last = len(words) - 1
    rarest = min(range(len(words)), key=lambda n: _frequency(words[n], prefix=n == last))
    return (_tsquery([words[rarest]], prefix=rarest == last), _tsquery(words))


def _fts(queries: tuple[str, ...], *, walk: bool) -> _CaseSQL:
    if walk:
        return _CaseSQL(_MATCH_WALKED, list(queries))
    return _CaseSQL(_MATCH_ONE if len(queries) == 1 else _MATCH_MANY, list(queries))


def _walked_in(offices, queries: tuple[str, ...]) -> _CaseSQL:
    """The case is in one of ``offices`` and matches, checked on each row read: no index
    answers it and PostgreSQL takes it for half the rows. As ``office_id IN (...) AND
    ts_match_vq(...)`` PostgreSQL would AND a bitmap of the office's tens of thousands of
    cases with the department's or person's and sort all they match (3-5 ms for a department
    of 1,400 cases) instead of reading the department's newest first (0.2 ms)."""
    ids = sorted(int(i) for i in offices)
    places = ", ".join(["%s"] * len(ids))
    sql = f"CASE WHEN {{case}}.office_id IN ({places}) THEN {_MATCH_WALKED} END"
    return _CaseSQL(sql, [*ids, *queries])


_ID_COLUMNS = {
    "office_id__in": "office_id",
    "department_id__in": "department_id",
    "assignee_id__in": "assignee_id",
}


@dataclass(frozen=True)
class _Part:
    """One way of seeing cases, in a walk: ``where`` its cases, ``match`` checked on each
    read newest first, and ``rest`` (the GIN look-up) for the cases past the first ``CAP``
    when a way with a newest-first index is walked (a department, an office)."""

    where: Q
    match: _CaseSQL
    rest: _CaseSQL | None = None


def _parts(branch: Q, offices, queries: tuple[str, ...], *, walk: bool) -> list[Q] | list[_Part]:
    """The cases of ``branch`` in ``offices`` that match ``queries``, its ids typed as
    ``bigint`` when it is a list of ids of one column (the same condition): the GIN index's
    ``btree_gin`` columns match only ``bigint = bigint``, and the ORM writes
    ``department_id IN (94)``, an ``integer``. No column is named twice: PostgreSQL would
    count the condition twice and expect next to no rows. For a walk, one part per id:
    PostgreSQL 15 reads an index in date order for ``=``, not for ``= ANY(...)``."""
    column, ids = None, None
    if len(branch.children) == 1 and not branch.negated:
        lookup, ids = branch.children[0]
        if isinstance(ids, set | frozenset | list | tuple):  # not a subquery
            column = _ID_COLUMNS.get(lookup)
    if walk:
        walked, looked_up = queries[:1], queries[1:]
        if column == "office_id":  # an office-wide role's offices, all among ``offices``
            match, rest = _fts(walked, walk=True), _fts(looked_up, walk=False)
            return [_Part(Q(_ids_in(column, [i])), match, rest) for i in sorted(ids)]
        found = _walked_in(offices, walked)
        if column is None:
            return [_Part(branch, found)]
        office, fts = _ids_in("office_id", offices), _fts(looked_up, walk=False)
        rest = _CaseSQL(f"{office.sql} AND {fts.sql}", [*office.params, *fts.params])
        # a person's cases (no newest-first index) are few: read them all
        bounded = column == "department_id"
        return [
            _Part(Q(_ids_in(column, [i])), found, rest if bounded else None) for i in sorted(ids)
        ]
    fts = _fts(queries, walk=False)
    if column == "office_id":
        return [Q(_ids_in(column, ids), fts)]
    office = _ids_in("office_id", offices)
    if column is None:
        return [branch & Q(office, fts)]
    return [Q(office, _ids_in(column, ids), fts)]


def _ids_in(column: str, ids) -> _CaseSQL:
    """``column`` is one of ``ids`` (``bigint``). One id is written ``= id``: PostgreSQL 15
    reads an index in order (newest first) for ``=`` but not for ``= ANY(...)``."""
    ids = sorted(int(i) for i in ids)
    if len(ids) == 1:
        return _CaseSQL(f"{{case}}.{column} = %s::bigint", ids)
    places = ", ".join(["%s"] * len(ids))
    return _CaseSQL(f"{{case}}.{column} = ANY(ARRAY[{places}]::bigint[])", ids)


def _filtered(values: dict[str, tuple]) -> list[Q]:
    """The page's filters (each given or not: an empty tuple)."""
    lookups = {
        "office_id": "office_id",
        "department_id": "department_id",
        "status": "status",
        "opened_from": "opened_at__date__gte",
        "opened_to": "opened_at__date__lte",
    }
    return [Q(**{lookup: values[name][0]}) for name, lookup in lookups.items() if values[name]]


NEWEST_FIRST = ("-opened_at", "-pk")
ROW_COLUMNS = ("pk", "sign", "title", "office__name", "status", "opened_at")


@dataclass(frozen=True)
class SearchRow:
    """A result: the case's sign (with its link), title, office, status, opening."""

    pk: int
    sign: str
    title: str
    office_name: str
    status: str
    opened_at: dt.datetime


# A walk reads at most this many of a department's or an office's cases newest first; the
# older ones are looked up in the GIN index, only when the walk found less than a page (a
# word common in all the cases may be rare in one office: reading its 40,000 cases took
# 180-580 ms). ``FREQUENT`` words fill a page within a third of it.
CAP = 4000
_CASE = '"documents_case"'
_NEWEST = f'{_CASE}."opened_at" DESC, {_CASE}."id" DESC'


def _sql(cases: QuerySet) -> tuple[str, list]:
    sql, params = cases.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def _where(*conditions) -> tuple[str, list]:
    """The conditions on ``documents_case`` compiled (the table named, not aliased)."""
    query = Case.objects.filter(*conditions).query
    query.get_initial_alias()
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def _bounded(part: _Part, filters: list[Q], limit: int) -> tuple[str, list]:
    """The first ``limit`` of a way's cases that match: its first ``CAP`` cases read newest
    first (``walked``: the walk stops when the page is full), and when they hold less than
    a page and the way has more, the GIN look-up of the cases after them (a condition
    PostgreSQL checks once, before it reads any: ``One-Time Filter``)."""
    where, where_params = _where(part.where, *filters)
    rest, rest_params = _where(part.rest)
    match = part.match.sql.format(case="s")
    columns = ", ".join(f'{_CASE}."{c}"' for c in ("id", "opened_at", "office_id"))
    first = (
        f"SELECT {columns}, {_CASE}.search_vector FROM {_CASE} WHERE {where}"  # noqa: S608
        f" ORDER BY {_NEWEST} LIMIT {CAP}"
    )
    after = (
        f'SELECT {_CASE}."opened_at", {_CASE}."id" FROM {_CASE} WHERE {where}'  # noqa: S608
        f" ORDER BY {_NEWEST} OFFSET {CAP - 1} LIMIT 1"
    )
    more = f"SELECT 1 FROM {_CASE} WHERE {where} OFFSET {CAP}"  # noqa: S608
    sql = (
        f"WITH walked AS MATERIALIZED (SELECT s.id FROM ({first}) s WHERE ({match})"  # noqa: S608
        f" ORDER BY s.opened_at DESC, s.id DESC LIMIT {int(limit)})"
        f' SELECT "id" FROM walked UNION ALL (SELECT {_CASE}."id" FROM {_CASE}'
        f' WHERE {where} AND {rest} AND ({_CASE}."opened_at", {_CASE}."id") < ({after})'
        f" AND (SELECT COUNT(*) FROM walked) < {int(limit)} AND EXISTS ({more})"
        f" ORDER BY {_NEWEST} LIMIT {int(limit)})"
    )
    params = [*where_params, *part.match.params, *where_params, *rest_params, *where_params]
    return sql, [*params, *where_params]


def _found_ids(scope: CaseScope, values: dict[str, tuple], *, walk: bool, limit: int):
    """The ids of the first ``limit`` visible cases matching, newest first: the union of the
    first ``limit`` of each way the person sees cases (``visibility_branches``) with the
    words, and of those whose sign begins with the query. Each part is a walk of a
    newest-first index or one lookup in the GIN index (see above); the visibility OR, whose
    subqueries no index can check, is never one condition."""
    filters = _filtered(values)
    parts = [
        part
        for branch in visibility_branches(scope)
        for part in _parts(branch, scope.offices, values["words"], walk=walk)
    ]
    # Signs are words with dots ("OR.1431.5.2024"): the parser splits them, so a sign typed
    # in full also matches through the prefix of the sign column.
    sign = _CaseSQL("{case}.sign LIKE %s", [values["sign"][0]])
    by_sign = Case.objects.filter(visibility_q(scope), sign, *filters)

    def page(cases: QuerySet) -> QuerySet:
        return cases.order_by(*NEWEST_FIRST).values("pk")[:limit]

    if not walk:
        first, *rest = [page(Case.objects.filter(part, *filters)) for part in parts]
        return first.union(*rest, page(by_sign))
    pieces = [
        _bounded(part, filters, limit)
        if part.rest is not None
        else _sql(page(Case.objects.filter(part.where, part.match, *filters)))
        for part in parts
    ]
    pieces.append(_sql(page(by_sign)))
    union = " UNION ".join(f"({piece})" for piece, _params in pieces)
    union = union.replace("{", "{{").replace("}", "}}")  # no placeholder but ``{case}``
    params = [param for _piece, params in pieces for param in params]
    return _CaseSQL(f"{{case}}.id IN ({union})", params)


def _rows(scope: CaseScope, values: dict[str, tuple], *, walk: bool, limit: int) -> QuerySet:
    """The result rows' query for ``values`` (the person's or markers)."""
    if connection.vendor == "postgresql":
        found = _found_ids(scope, values, walk=walk, limit=limit)
        cases = Case.objects.filter(found if walk else Q(pk__in=found))
    else:
        words = [Q(search_text__icontains=word) for word in values["words"]]
        cases = Case.objects.filter(visibility_q(scope), *_filtered(values), *words)
    return cases.order_by(*NEWEST_FIRST).values_list(*ROW_COLUMNS)[:limit]


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
) -> list[SearchRow]:
    """The first ``limit`` cases ``staff`` may see matching ``q`` and the filters, newest
    first: one query, compiled once per process and shape (``statements``: which filters,
    how many words, ways and ids), each search binding its own values."""
    words = _words(q)
    if not words or not getattr(staff, "is_authenticated", False):
        return []
    scope = case_scope(staff=staff)
    if not scope.offices:
        return []
    postgresql = connection.vendor == "postgresql"
    walk = postgresql and _frequent(words)
    given = {
        "office_id": office_id,
        "department_id": department_id,
        "status": status,
        "opened_from": opened_from,
        "opened_to": opened_to,
    }
    values = {
        **scope_values(scope),
        "words": _queries(words, walk=walk) if postgresql else tuple(words),
        "sign": (connection.ops.prep_for_like_query(q.strip()) + "%",),
        **{name: (value,) if value else () for name, value in given.items()},
    }

    def build(marked: dict[str, tuple]):
        return compiled(_rows(scope_marked(scope, marked), marked, walk=walk, limit=limit))

    statement = statement_for(("search", walk, limit, CAP), build, values)
    if statement is None:  # SQLite: the words' substrings are patterns made of them
        rows = list(_rows(scope, values, walk=walk, limit=limit))
    elif not statement.sql:
        return []
    else:
        found = statement_rows(statement, values, prepare=False)
        rows = statement.compiler.results_iter([found])
    return [SearchRow(*row) for row in rows]
