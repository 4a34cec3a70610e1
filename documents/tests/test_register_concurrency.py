"""Twenty processes (each its own PostgreSQL connection) register paper items at once: the RPW
numbers are unique and gap-free, rolled-back registrations included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import RegisterCounter, RegisterEntry
from documents.services.register import (
    CorrespondentDetails,
    correspondent_find_or_create,
    paper_register,
)
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of
from tests.support import database_url, executed_statements, require_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 20
EACH = 3


def test_twenty_processes_get_unique_gap_free_rpw_numbers():
    require_postgresql(connection.vendor, "twenty writers at once need PostgreSQL")
    setup = make_service()
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    who = correspondent_find_or_create(
        office=setup.office, details=CorrespondentDetails(last_name="Nowak"), actor=clerk
    )
    env = os.environ | {
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "sekap.settings",
        "PYTHONPATH": str(ROOT),
    }
    args = [setup.office.pk, clerk.pk, who.pk, setup.department.pk, EACH, PROCESSES]
    # one Django set up, forked into PROCESSES writers (documents/tests/paper_worker.py)
    worker = subprocess.run(
        [sys.executable, "-m", "documents.tests.paper_worker", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    lines = worker.stdout.splitlines()
    assert len(lines) == PROCESSES, worker.stdout
    kept = [int(n) for line in lines for n in line.split()]
    total = PROCESSES * EACH
    assert sorted(kept) == list(range(1, total + 1))
    year = timezone.localdate().year
    numbers = RegisterEntry.objects.filter(office=setup.office, year=year)
    assert sorted(numbers.values_list("number", flat=True)) == list(range(1, total + 1))
    assert RegisterCounter.objects.get(office=setup.office, year=year).last_number == total


def test_the_two_row_locks_are_held_for_three_statements_and_the_commit():
    """The office's RPW counter row is locked by the statement that also inserts the entry;
    the audit chain head by the next; then only the audit entry and the commit follow. Every
    check and read is done before (each statement inside the locks makes the office's other
    clerks wait)."""
    require_postgresql(connection.vendor, "the lock window is PostgreSQL's")
    setup = make_service()
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    who = correspondent_find_or_create(
        office=setup.office, details=CorrespondentDetails(last_name="Nowak"), actor=clerk
    )

    def register():
        return paper_register(
            office=setup.office,
            clerk=clerk,
            correspondent=who,
            department=setup.department,
            title="Pismo",
            channel="post",
        )

    register()  # the office's first item of the year creates its counter row
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        entry = register()
    statements = executed_statements(queries.captured_queries)
    first_lock = next(i for i, sql in enumerate(statements) if "registercounter" in sql)
    locked = statements[first_lock:]
    assert len(locked) == 4 and locked[3] == "COMMIT", locked
    assert locked[0].startswith("WITH n AS (UPDATE documents_registercounter")
    assert "INSERT INTO documents_registerentry" in locked[0]
    assert locked[1].endswith("FOR UPDATE") and "audit_audithead" in locked[1]
    assert "INSERT INTO audit_auditentry" in locked[2] and "UPDATE audit_audithead" in locked[2]
    assert RegisterEntry.objects.get(number=2).rpw == entry.rpw == f"RPW/2/{entry.year}"
