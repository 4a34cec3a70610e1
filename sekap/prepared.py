"""Reads by a key on the hottest paths, their SQL compiled once.

Django compiles a queryset's SQL on every evaluation; for a ``select_related`` read over
dozens of columns that compiling (``get_select``, the joins, the converters) costs several
times the query itself: ~1.3 ms of CPU against ~0.2 ms for the service a submission is filed
with, ~0.9 ms against ~0.15 ms for the API token and its user. :class:`PreparedGet` compiles the
queryset once per database connection, then runs the same SQL with each new key and turns the
row into instances (with their ``select_related`` objects) with Django's own code, as
``QuerySet.get`` would. Nothing is cached but the SQL: every call reads the row as it is now.

On PostgreSQL each statement is also prepared on the server, once per database session
(``PREPARE``, then ``EXECUTE`` with each call's values): PostgreSQL parses and plans a plain
statement on every run, which cost its backend ~0.6 ms of CPU for the service's read and
~0.2 ms for the token's, against ~0.09 and ~0.06 ms prepared. A prepared statement lasts as
long as its session (a reconnection prepares again) and is not undone by a rollback
(PostgreSQL's PREPARE is not transactional), so the module only tracks which it made on each
connection. Not for a pooler in transaction mode, which hands each transaction another session.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router
from django.db.models import NOT_PROVIDED, Model, QuerySet, signals
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"%%|%s")
# the statements prepared in each PostgreSQL session: {psycopg2 connection: {sql: name}}
_sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def server_sql(sql: str) -> str:
    """``sql`` with psycopg2's placeholders (``%s``, ``%%``) as a PREPARE body's (``$1``...)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def prepared_sql(name: str) -> str | None:
    """The statement this module prepared as ``name`` on the default connection's session
    (what an ``EXECUTE name`` in a query log runs), or None."""
    names = _sessions.get(connection.connection) if connection.connection else None
    return next((sql for sql, given in (names or {}).items() if given == name), None)


# Prefixed to an EXECUTE run by the statement's generic plan: the setting lasts for the
# implicit transaction of that one round trip (outside a transaction block only).
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan; "


def execute(cursor, sql: str, params: list, *, generic: bool = False) -> None:
    """``cursor.execute(sql, params)`` for a Django cursor and a statement made once by its
    caller (not per call: each distinct text is prepared and kept for the session); on
    PostgreSQL through the session's prepared statement of ``sql``, prepared first when this
    session has none (see the module docstring).

    ``generic``: run by the generic plan from the first run, whatever PostgreSQL's own choice.
    After a prepared statement's fifth run PostgreSQL keeps planning it for each run's values
    when the generic plan's estimated cost is higher than the plans made so far, even where it
    is the same plan (a work list's first page was then planned on every page: 0.6 to 1.1 ms of
    the database's CPU against 0.2 to 0.4 ms to run it). Inside a transaction block the
    setting would last until its end: there PostgreSQL chooses."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    session = connection.connection  # connected: the cursor was opened
    names = _sessions.get(session)
    if names is None:
        names = _sessions[session] = {}
    name = names.get(sql)
    if name is None:
        name = f"sekap_prepared_{len(names) + 1}"
        with session.cursor() as setup:  # session set-up, like SET: not one of the queries
            setup.execute(f"PREPARE {name} AS {server_sql(sql)}")
        names[sql] = name
    statement = (
        f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    )
    if generic and not connection.in_atomic_block:
        statement = GENERIC_PLAN + statement
    cursor.execute(statement, params)


_NO_ROW = object()  # a key no row can have (an integer out of the column's range)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiler: Any
    converters: dict
    start: int
    end: int
    init_list: list[str]
    populators: list
    prep: Callable[[Any], Any]


class PreparedGet(Generic[M]):
    """``queryset().get(<field>=key)`` or None, compiled once per connection.

    ``queryset`` returns the base queryset (a function: models are not ready at import); the
    filter on ``field`` (a unique column) must be the query's only parameter."""

    def __init__(self, queryset: Callable[[], QuerySet[M]], *, field: str) -> None:
        self._queryset = queryset
        self._field = field
        # per connection object: one per database alias and thread, as Django's own
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, key: Any) -> M | None:
        queryset = self._queryset()
        db = queryset.db
        connection = connections[db]
        compiled = self._compiled.get(connection)
        if compiled is None:
            try:
                compiled = self._compiled[connection] = self._compile(queryset, key, db)
            except EmptyResultSet:  # the first key is one no row can have
                return None
        param = compiled.prep(key)
        if param is _NO_ROW:
            return None
        with connection.cursor() as cursor:
            execute(cursor, compiled.sql, [param])
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        values = row[compiled.start : compiled.end]
        instance = queryset.model.from_db(db, compiled.init_list, values)
        for populator in compiled.populators:
            populator.populate(row, instance)
        return instance

    def _compile(self, queryset: QuerySet[M], key: Any, db: str) -> _Compiled:
        compiler = queryset.filter(**{self._field: key}).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        if len(params) != 1:
            raise ValueError(f"{self._field} must be the only parameter of the query")
        meta = queryset.model._meta
        field = meta.pk if self._field == "pk" else meta.get_field(self._field)
        connection = connections[db]
        ranges = connection.ops.integer_field_ranges
        low, high = ranges.get(field.get_internal_type(), (None, None))

        def prep(value: Any) -> Any:
            value = field.get_db_prep_value(value, connection, prepared=False)
            if isinstance(value, int) and not (
                (low is None or value >= low) and (high is None or value <= high)
            ):
                return _NO_ROW  # what the ORM's lookup makes of it too (no query)
            return value

        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, db),
            prep=prep,
        )


# Stand-ins for an integer key while a ``PreparedValues`` statement is compiled: ids no row
# has (negative), inside every integer column's range.
_KEY_MARKERS = (-2_147_480_001, -2_147_480_002)
_KEY = object()  # a compiled statement's parameter that is the key


class PreparedValues:
    """The rows of ``queryset(key)``, a ``values_list`` queryset of ``model`` for an integer
    ``key`` (a person's id), its SQL compiled once per connection; every call runs it with its
    own key. Nothing is cached but the SQL.

    The SQL is compiled for two stand-in keys: a parameter equal to the stand-in in both is
    the key (it may appear several times), any other must be the same in both (a constant of
    the query, e.g. a content type or a codename); a query whose other parameters follow the
    key is refused."""

    def __init__(self, model: type[Model], queryset: Callable[[int], QuerySet]) -> None:
        self._model = model
        self._queryset = queryset
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def rows(self, key: int) -> list[tuple]:
        db = router.db_for_read(self._model)
        connection = connections[db]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(db)
        sql, compiler, converters, places = compiled
        params = [key if place is _KEY else place for place in places]
        with connection.cursor() as cursor:
            execute(cursor, sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return [tuple(row) for row in rows]

    def _compile(self, db: str) -> tuple:
        (sql, params, compiler), (other_sql, other_params, _other) = (
            self._sql(marker, db) for marker in _KEY_MARKERS
        )
        if sql != other_sql or len(params) != len(other_params):
            raise ValueError("the query's SQL depends on the key")
        places: list = []
        for param, other in zip(params, other_params, strict=True):
            if (param, other) == _KEY_MARKERS:
                places.append(_KEY)
            elif type(param) is type(other) and param == other:
                places.append(param)
            else:
                raise ValueError("a parameter of the query other than the key follows the key")
        if _KEY not in places:
            raise ValueError("the key is no parameter of the query")
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        return sql, compiler, converters, places

    def _sql(self, marker: int, db: str) -> tuple[str, tuple, Any]:
        compiler = self._queryset(marker).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        return sql, tuple(params), compiler


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: list
    returning_params: Any


_inserts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def insert(instance: Model) -> None:
    """``instance.save(force_insert=True)`` for a new row, its INSERT statement compiled once
    per model and connection (compiling it cost ~1 ms of CPU per row on the submit path, the
    row's ~30 columns each prepared through the compiler); the values are prepared by their
    fields as ``save`` prepares them (``pre_save``, ``get_db_prep_save``).

    ``save`` itself is used for what this does not cover: a model with a ``save`` of its own,
    ``pre_save``/``post_save`` receivers, parents, database defaults or other returned
    columns, a primary key given, or a value that is an expression."""
    model = type(instance)
    meta = model._meta
    db = router.db_for_write(model, instance=instance)
    connection = connections[db]
    if not _insertable(instance):
        instance.save(force_insert=True, using=db)
        return
    plans = _inserts.setdefault(connection, {})
    plan = plans.get(model)
    fields = plan.fields if plan else _insert_fields(meta)
    if any(hasattr(instance.__dict__.get(f.attname), "resolve_expression") for f in fields):
        instance.save(force_insert=True, using=db)
        return
    # as save: an unsaved related object is refused, a related object saved since assigned
    # gives its key
    instance._prepare_related_fields_for_save(operation_name="save")
    if plan is None:  # compiling calls pre_save too: the values are taken after it
        plan = plans[model] = _insert_plan(instance, fields, connection)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        execute(cursor, plan.sql, params)
        if connection.features.can_return_columns_from_insert:
            pk = connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)[0]
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    setattr(instance, meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = db


def _insertable(instance: Model) -> bool:
    model = type(instance)
    meta = model._meta
    return (
        model.save is Model.save
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
        and not meta.parents
        and meta.pk is meta.auto_field
        and meta.db_returning_fields == [meta.pk]
        and getattr(instance, meta.pk.attname) is None
        and all(f.db_default is NOT_PROVIDED for f in meta.local_concrete_fields)
    )


def _insert_fields(meta) -> list:
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


def _insert_plan(instance: Model, fields: list, connection) -> _Insert:
    """The statement Django's compiler makes for ``instance`` (one row, the primary key
    returned), kept with its fields; only the values change from row to row."""
    meta = type(instance)._meta
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, _params)] = compiler.as_sql()
    return _Insert(sql=sql, fields=fields, returning_params=compiler.returning_params)
