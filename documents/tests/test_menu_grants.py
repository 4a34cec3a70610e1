"""The staff menu's grants read on a cache miss (``menu._grants``): the screens other apps'
checks open to each kind of person, and the offices whose ESP tokens they manage; nothing in
another office, nothing from a revoked membership or an expired deputy window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.backoffice import menu
from documents.selectors.visibility import case_scope
from documents.tests.fixtures import clerk_of, make_service
from offices.models import Deputy, StaffMembership, StaffRole
from offices.privileges import staff_privileges_sync
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory
from tests.support import executed_statements

pytestmark = pytest.mark.django_db

# the entries decided by other apps' checks or by roles beyond case work
CHECKED = {
    "certauth:ra_queue",
    "certauth:ca_console",
    "forms_platform:designer",
    "workflows",
    "offices:staff_import",
    "search",
    "archive",
}


def _grants(person) -> tuple[set[str], list[tuple[str, str]]]:
    user = User.objects.get(pk=person.pk)  # as a request reads the person
    menu.grants_changed()  # a miss
    allowed, managed = menu._grants(menu.Viewer(user=user, roles=case_scope(staff=user).roles))
    return set(allowed) & CHECKED, managed


def test_each_kind_of_person_gets_the_grants_of_their_own_roles_and_offices(settings):
    setup = make_service(symbol="OR")
    other = make_service(symbol="GK", slug="drugi")
    settings.CPD_OFFICE_TERC = other.office.terc
    a = setup.office
    clerk = clerk_of(setup)
    registry = clerk_of(setup, role=StaffRole.REGISTRY_CLERK, department=False)
    head = clerk_of(setup, role=StaffRole.HEAD)
    admin = clerk_of(setup, role=StaffRole.OFFICE_ADMIN, department=False)
    staff_privileges_sync(user=admin)
    operator = clerk_of(setup, role=StaffRole.CA_OPERATOR, department=False)
    cpd_admin = clerk_of(other, role=StaffRole.CPD_ADMIN, department=False)
    cpd_elsewhere = clerk_of(setup, role=StaffRole.CPD_ADMIN, department=False)
    revoked = clerk_of(setup, role=StaffRole.CA_OPERATOR, department=False)
    StaffMembership.objects.filter(user=revoked).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    deputy = StaffFactory()
    now = timezone.now()
    Deputy.objects.create(
        office=a,
        principal=clerk,
        deputy=deputy,
        valid_from=now - dt.timedelta(days=10),
        valid_to=now - dt.timedelta(seconds=1),
    )

    assert _grants(clerk) == ({"search", "archive"}, [])
    assert _grants(registry) == ({"search", "archive"}, [])
    assert _grants(head) == ({"search", "archive"}, [])
    assert _grants(admin) == (
        {"search", "workflows", "offices:staff_import"},
        [(a.terc, a.name)],
    )
    assert _grants(operator) == ({"certauth:ra_queue"}, [])
    assert _grants(cpd_admin) == ({"certauth:ca_console", "offices:staff_import"}, [])
    assert _grants(cpd_elsewhere) == ({"offices:staff_import"}, [])  # no CA console outside CPD
    assert _grants(revoked) == (set(), [])
    assert _grants(deputy) == (set(), [])
    # a clerk of office B gets nothing in A: B's ESP tokens are not A's
    clerk_b = clerk_of(other)
    staff_privileges_sync(user=clerk_of(other, role=StaffRole.OFFICE_ADMIN, department=False))
    assert _grants(clerk_b) == ({"search", "archive"}, [])


def test_a_hit_is_one_cache_read_and_a_miss_reads_the_memberships_once(monkeypatch):
    """A cached person's grants are one read of the cache (the version with them); a miss
    asks two role checks of the RA policy and reads the person's memberships once, and on
    PostgreSQL the managed offices by a prepared statement."""
    setup = make_service()
    user = User.objects.get(pk=clerk_of(setup).pk)
    viewer = menu.Viewer(user=user, roles=case_scope(staff=user).roles)
    menu.grants_changed()
    with CaptureQueriesContext(connection) as miss:
        grants = menu._grants(viewer)
    sqls = executed_statements(miss.captured_queries)
    assert len([s for s in sqls if "offices_staffmembership" in s]) == 1, sqls
    managed = [i for i, s in enumerate(sqls) if "officeuserobjectpermission" in s]
    assert len(managed) == 1, sqls
    if connection.vendor == "postgresql":  # prepared on the server: only its EXECUTE is sent
        assert miss.captured_queries[managed[0]]["sql"].startswith("EXECUTE "), sqls
    cache, calls = menu.cache, []

    class Counted:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(cache, name)

    monkeypatch.setattr(menu, "cache", Counted())
    with CaptureQueriesContext(connection) as hit:
        assert menu._grants(viewer) == grants
    assert calls == ["get_many"] and not hit.captured_queries
