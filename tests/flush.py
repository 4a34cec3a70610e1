"""Emptying the database after a test that commits, on PostgreSQL: only the tables with rows.

Django empties every table after a ``TransactionTestCase`` (pytest-django's
``transactional_db``, ``live_server``, the worker and browser tests) with one TRUNCATE of all of
them: about a hundred tables, each given new files, several seconds on a slow disk. Most tests
fill a dozen. Here one query finds the tables that have rows, and DELETE empties only those, with
``session_replication_role = replica`` for that transaction: PostgreSQL then fires no ordinary
trigger, neither the foreign keys' (so the order does not matter) nor the append-only triggers
of the audit trail and of case events (which refuse DELETE, and stay in the schema as they
are). Content types and permissions are kept: they are what post_migrate makes again after
Django's flush, and remaking them costs more than the DELETEs (they keep their ids, as in a
running installation). The rest is Django's: sequences are not reset (a test asking for
``reset_sequences`` has them reset before it starts) and post_migrate is emitted after, so
anything of those two tables a test removed is made again.

Test support only: the setting needs a superuser (the tests connect as ``postgres``); without
one, on SQLite, or when a test limits ``available_apps`` or asks for a serialized rollback,
Django's own flush runs.
"""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.test import TransactionTestCase

_django_teardown = TransactionTestCase._fixture_teardown
KEPT = frozenset({"django_content_type", "auth_permission"})
_SUPERUSER: dict[str, bool] = {}


def tables_with_rows(alias: str) -> list[str]:
    """The tables of installed models that hold at least one row, in one query."""
    connection = connections[alias]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    if not tables:
        return []
    quote = connection.ops.quote_name  # the names are the models' tables, quoted
    probe = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(probe, tables)
        return [row[0] for row in cursor.fetchall()]


def tables_empty(alias: str) -> list[str]:
    """Empty the tables that hold rows (but KEPT), firing no trigger; return their names."""
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        tables = [table for table in tables_with_rows(alias) if table not in KEPT]
        if tables:
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("; ".join(f"DELETE FROM {quote(t)}" for t in tables))  # noqa: S608
    return tables


def _superuser(alias: str) -> bool:
    if alias not in _SUPERUSER:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            _SUPERUSER[alias] = bool(cursor.fetchone()[0])
    return _SUPERUSER[alias]


def _fixture_teardown(self: TransactionTestCase) -> None:
    aliases = self._databases_names(include_mirrors=False)
    if (
        self.available_apps is not None
        or self.serialized_rollback
        or any(connections[alias].vendor != "postgresql" for alias in aliases)
        or not all(_superuser(alias) for alias in aliases)
    ):
        _django_teardown(self)
        return
    for alias in aliases:
        tables_empty(alias)
        emit_post_migrate_signal(0, False, alias)


def install() -> None:
    """Use the emptying above for every ``TransactionTestCase`` of this test run."""
    TransactionTestCase._fixture_teardown = _fixture_teardown
