"""Statements compiled once per process and *shape*, each request binding only its values.

Building a list's conditions as Q objects and compiling them was half of the ORM's work on a
work-list page, and PostgreSQL's planning of the menu's thirteen capped counts cost more than
running them. A statement is therefore compiled once per shape (which list, order and
filters; how many offices, departments, principals... a person has) from the very Q objects
of each request, built for stand-in values ("markers") that no real id, text or date can
equal; each request binds its own values in the markers' places. Every statement is
compiled twice, with two sets of markers, and used only if both give the same SQL with every
per-person value in a marker's place (a value derived some other way would differ: that
shape is then built by the ORM on each request). On PostgreSQL a statement whose generic
plan is good (the menu's counts, the scope's query, most lists' first pages) is prepared
once per session by ``sekap.prepared``, the constants (e.g. the closed statuses of the
partial indexes) written into it, so PostgreSQL plans it a few times per session (a generic
plan after the fifth run) instead of on every page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from sekap.prepared import execute

# The moments a condition may read: ``at``, its local date (``today``) and these shifts of
# them (the work lists' windows: incoming within 7 days, due within 7 days).
SHIFTS = (dt.timedelta(0), dt.timedelta(days=-7), dt.timedelta(days=7))
_MARKED_EPOCH = dt.datetime(1100, 1, 1, 12, tzinfo=dt.UTC)
_MAX_MARKERS = 100
_MAX_STATEMENTS = 1000


@dataclass(frozen=True)
class _Slot:
    """A statement's parameter: the ``index``-th of the values named ``name`` (``today``: the
    local date of ``at``), shifted by ``shift`` for a date or a moment."""

    name: str
    index: int = 0
    kind: str = ""  # "date", "datetime" or "" (an id or a text, bound as it is)
    shift: dt.timedelta = dt.timedelta(0)

    def bind(self, values: dict[str, tuple]):
        if self.name == "today":
            value = timezone.localdate(values["at"][0])
        else:
            value = values[self.name][self.index]
        if self.kind == "date":
            return connection.ops.adapt_datefield_value(value + self.shift)
        if self.kind == "datetime":
            return connection.ops.adapt_datetimefield_value(value + self.shift)
        return value


@dataclass(frozen=True)
class _Constant:
    value: object

    def bind(self, _values: dict[str, tuple]):
        return self.value


@dataclass(frozen=True)
class Statement:
    sql: str  # "" when the condition can match nothing (no query is run)
    slots: tuple[_Slot | _Constant, ...]
    compiler: object = None  # a list page's: how its values are converted (dates on SQLite)

    @functools.cached_property
    def prepared(self) -> tuple[str, list[_Slot]]:
        """(SQL, parameters) of the statement prepared on PostgreSQL (``sekap.prepared``): the
        constants written into it, so that its plan can use the partial indexes they match."""
        slots, kept = iter(self.slots), []

        def place(match: re.Match) -> str:
            if match.group() == "%%":
                return "%%"
            slot = next(slots)
            if isinstance(slot, _Constant):
                return connection.ops.compose_sql("%s", [slot.value]).replace("%", "%%")
            kept.append(slot)
            return "%s"

        return re.sub("%s|%%", place, self.sql), kept


class _Unshaped(Exception):
    """The statement cannot be compiled once for its shape."""


def _markers(values: dict[str, tuple], seed: int) -> tuple[dict[str, tuple], dict]:
    """Stand-ins for ``values`` (ids, texts, dates, moments) and, by the form each takes in
    the compiled parameters, the slot each stands for."""
    marked, slots, n = {}, {}, 0
    ops = connection.ops
    for name, items in values.items():
        stand_ins = []
        for index, item in enumerate(items):
            n += 1
            if n > _MAX_MARKERS:
                raise _Unshaped
            if item is None:
                marker = None
            elif isinstance(item, bool):
                raise _Unshaped
            elif isinstance(item, int):
                marker = -(10**15) * seed - n
                slots[marker] = _Slot(name, index)
            elif isinstance(item, str):
                marker = f"\x1fmarker {seed}.{n}"
                slots[marker] = _Slot(name, index)
            elif isinstance(item, dt.datetime):
                marker = _MARKED_EPOCH + dt.timedelta(days=400 * (n + _MAX_MARKERS * seed))
                for shift in SHIFTS:
                    slots[ops.adapt_datetimefield_value(marker + shift)] = _Slot(
                        name, index, "datetime", shift
                    )
                    if name == "at":
                        day = timezone.localdate(marker) + shift
                        slots[ops.adapt_datefield_value(day)] = _Slot("today", 0, "date", shift)
            elif isinstance(item, dt.date):
                marker = (_MARKED_EPOCH + dt.timedelta(days=400 * (n + _MAX_MARKERS * seed))).date()
                for shift in SHIFTS:
                    slots[ops.adapt_datefield_value(marker + shift)] = _Slot(
                        name, index, "date", shift
                    )
            else:
                raise _Unshaped
            stand_ins.append(marker)
        marked[name] = tuple(stand_ins)
    return marked, slots


def _slot(slots: dict, param):
    try:
        return slots.get(param)
    except TypeError:  # an unhashable parameter is a constant
        return None


def _compile(
    build: Callable[[dict[str, tuple]], tuple[str, list, object] | None], values: dict
) -> Statement:
    """``build`` (SQL, parameters, compiler, or None when nothing can match) compiled with
    two sets of markers and checked (see above)."""
    first, first_slots = _markers(values, 1)
    second, second_slots = _markers(values, 2)
    one, two = build(first), build(second)
    if one is None or two is None:
        if one is not two:
            raise _Unshaped
        return Statement(sql="", slots=())
    (sql, params, compiler), (other_sql, other_params, _compiler) = one, two
    if sql != other_sql or len(params) != len(other_params):
        raise _Unshaped
    slots = []
    for param, other in zip(params, other_params, strict=True):
        slot, other_slot = _slot(first_slots, param), _slot(second_slots, other)
        if slot is None and other_slot is None:
            if type(param) is not type(other) or param != other:
                raise _Unshaped  # a value that follows the person but is no marker
            slots.append(_Constant(param))
        elif slot != other_slot:
            raise _Unshaped
        else:
            slots.append(slot)
    return Statement(sql=sql, slots=tuple(slots), compiler=compiler)


_LOCAL = threading.local()  # per thread, as Django's connections are


def statement_for(key: tuple, build, values: dict[str, tuple]) -> Statement | None:
    """The statement of ``key`` for the shape of ``values``, compiled on first use (None: it
    has to be built for each request)."""
    statements = _LOCAL.__dict__.setdefault("statements", {})
    shape = tuple((name, tuple(v is None for v in items)) for name, items in values.items())
    full_key = (connection.alias, key, shape)
    if full_key not in statements:
        if len(statements) >= _MAX_STATEMENTS:
            statements.clear()
        try:
            statements[full_key] = _compile(build, values)
        except _Unshaped:
            statements[full_key] = None
    return statements[full_key]


def statement_rows(
    statement: Statement, values: dict[str, tuple], *, prepare: bool = True, generic: bool = False
) -> list[tuple]:
    """The rows of ``statement`` with ``values`` bound, prepared once per session on PostgreSQL
    when ``prepare`` (a statement whose generic plan is as good as one planned for the values:
    not every list page's, e.g. the unassigned cases', whose generic plan sorts a whole
    office's unassigned cases instead of reading the first rows of an index in order:
    ``Worklist.generic_plan``); ``generic``: run by that plan from the first run
    (``sekap.prepared.execute``)."""
    with connection.cursor() as cursor:
        if prepare and connection.vendor == "postgresql":
            sql, slots = statement.prepared
            execute(cursor, sql, [slot.bind(values) for slot in slots], generic=generic)
        else:
            cursor.execute(statement.sql, [slot.bind(values) for slot in statement.slots])
        return cursor.fetchall()


def compiled(cases: QuerySet) -> tuple[str, list, object] | None:
    compiler = cases.query.get_compiler(using=cases.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params), compiler
