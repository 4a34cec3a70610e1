"""On PostgreSQL the hot path's statements (sekap.prepared) run as server-side prepared
statements of the session: prepared once, executed with each call's values, still reading the
row as it is now, surviving a rolled-back transaction and prepared again after a reconnection."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from documents.tests.fixtures import make_service
from offices.models import Service
from sekap import audit
from sekap.prepared import PreparedGet, server_sql
from tests.support import require_postgresql

SERVICE = PreparedGet(lambda: Service.objects.select_related("office__identity"), field="pk")


def test_placeholders_become_numbered_parameters_and_a_literal_percent_stays_one():
    sql = "SELECT a FROM t WHERE b = %s AND c LIKE '10%%' AND d IN (%s, %s)"
    assert server_sql(sql) == "SELECT a FROM t WHERE b = $1 AND c LIKE '10%' AND d IN ($2, $3)"


def _prepared() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_read_is_prepared_once_per_session_and_reads_the_row_as_it_is_now():
    require_postgresql(connection.vendor, "PostgreSQL's prepared statements")
    service = make_service().service
    assert SERVICE.get(service.pk).title == service.title
    mine = {n: s for n, s in _prepared().items() if "offices_service" in s}
    assert len(mine) == 1 and "$1" in next(iter(mine.values()))
    Service.objects.filter(pk=service.pk).update(title="Nowy tytuł")
    assert SERVICE.get(service.pk).title == "Nowy tytuł"
    assert {n: s for n, s in _prepared().items() if "offices_service" in s} == mine
    assert SERVICE.get(service.pk + 10_000) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rollback_keeps_the_statement_and_a_new_session_prepares_it_again():
    require_postgresql(connection.vendor, "PostgreSQL's prepared statements")
    service = make_service().service
    with pytest.raises(RuntimeError), transaction.atomic():
        SERVICE.get(service.pk)  # first use: PREPARE inside a transaction that rolls back
        raise RuntimeError
    assert SERVICE.get(service.pk).pk == service.pk  # PREPARE is not undone by the rollback
    connection.close()
    assert SERVICE.get(service.pk).pk == service.pk  # a new session: prepared again
    assert any("offices_service" in s for s in _prepared().values())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_audit_trail_appends_through_prepared_statements():
    require_postgresql(connection.vendor, "PostgreSQL's prepared statements")
    service = make_service().service
    first = audit.record(actor=None, action="tests.one", target=service)
    second = audit.record(actor=None, action="tests.two", target=service)
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    statements = _prepared().values()
    assert any("FOR UPDATE" in s for s in statements)
    assert any("WITH e AS (INSERT INTO" in s for s in statements)
