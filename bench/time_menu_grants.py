"""The staff menu's grants read on a cache miss (``documents.backoffice.menu._grants``), timed
in process for four kinds of person on the database of the test run: queries and µs of one miss
(median and 10th percentile of REPEAT, the person read afresh as a request reads them, their case
scope already read), beside the peer of the same run: the same miss with the role checks and
the managed offices read as before (the ORM building each query on every call).

    DATABASE_URL=postgres://... REDIS_URL=redis://... REQUIRE_SERVICES=1 \\
      .venv/bin/python -m pytest bench/time_menu_grants.py -q -s -p no:cacheprovider
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.backoffice import menu
from documents.selectors.visibility import case_scope
from documents.tests.fixtures import clerk_of, make_service
from offices import pki
from offices.models import StaffMembership
from offices.privileges import staff_privileges_sync

# the reads as they were, which the test compares the new ones with
from offices.tests.test_role_reads import _had_role, _managed_before, _was_cpd_admin
from sekap.accounts.models import User

REPEAT = int(os.environ.get("REPEAT", "300"))


def _miss(person) -> tuple[float, int, tuple]:
    user = User.objects.get(pk=person.pk)
    viewer = menu.Viewer(user=user, roles=case_scope(staff=user).roles)
    menu.grants_changed()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        grants = menu._grants(viewer)
        elapsed = time.perf_counter() - start
    return elapsed, len(queries.captured_queries), grants


@pytest.mark.django_db
def test_time_the_grants_miss(monkeypatch):
    setup = make_service()
    admin = clerk_of(setup, role="office_admin", department=False)
    staff_privileges_sync(user=admin)
    StaffMembership.objects.create(user=admin, office=setup.office, role="ca_operator")
    people = {
        "department clerk": clerk_of(setup),
        "registry clerk": clerk_of(setup, role="registry_clerk", department=False),
        "head": clerk_of(setup, role="head"),
        "office admin": admin,
    }
    for name, person in people.items():
        runs: dict[str, list] = {"before": [], "now": []}
        for _ in range(REPEAT + 5):  # alternating, so both meet the same machine
            with monkeypatch.context() as patch:
                patch.setattr(pki, "user_has_role", _had_role)
                patch.setattr(pki, "is_cpd_admin", _was_cpd_admin)
                patch.setattr(menu, "offices_managed_names", _managed_before)
                runs["before"].append(_miss(person))
            runs["now"].append(_miss(person))
        answers = {label: {(r[2][0], tuple(r[2][1])) for r in run} for label, run in runs.items()}
        assert answers["before"] == answers["now"] and len(answers["now"]) == 1
        for label, run in runs.items():
            timings = sorted(r[0] for r in run[5:])
            print(
                f"\n{name:16} {label:6} queries {sorted({r[1] for r in run})}"
                f" median {statistics.median(timings) * 1e6:5.0f} µs"
                f" p10 {timings[len(timings) // 10] * 1e6:5.0f} µs"
            )
