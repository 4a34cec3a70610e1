"""The emptying between tests that commit, on PostgreSQL (tests/flush.py): every table with rows
is emptied, the append-only ones included, and their triggers stay and still refuse DELETE."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from documents.models import CaseEvent
from documents.tests.fixtures import make_case, make_service, pki_dir  # noqa: F401
from sekap import audit
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from tests import flush
from tests.support import require_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APPEND_ONLY = {"audit_auditentry", "documents_caseevent"}


def test_tables_with_rows_are_emptied_and_the_append_only_triggers_still_refuse(pki_dir):  # noqa: F811
    require_postgresql(connection.vendor, "the emptying by DELETE is PostgreSQL's")
    user = UserFactory()
    make_case(make_service(), user)
    audit.record(actor=user, action="test.flush")
    before = set(flush.tables_with_rows("default"))
    assert APPEND_ONLY | {"accounts_user", "offices_office"} <= before

    emptied = flush.tables_empty("default")

    assert set(emptied) == before - flush.KEPT
    assert set(flush.tables_with_rows("default")) == before & flush.KEPT
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # the setting ended with the emptying
    user = UserFactory()
    make_case(make_service(), user)
    entry = audit.record(actor=user, action="test.after")
    for refused in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: CaseEvent.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            refused()
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and CaseEvent.objects.exists()
