"""A person's role checks (``user_has_role``, ``is_cpd_admin``) and the offices they manage
(``offices_managed_names``) are read by statements compiled once: the same answers as the ORM
reads they replace, for every kind of person, refusals included, and read as they are now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from offices.models import Deputy, Office, StaffMembership, StaffRole
from offices.privileges import staff_privileges_sync
from offices.selectors import (
    MANAGE_OFFICE,
    cpd_office_terc,
    is_cpd_admin,
    memberships_active,
    offices_managed_by,
    offices_managed_names,
    roles_read_once,
    user_has_role,
)
from offices.tests.factories import DepartmentFactory, OfficeFactory
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


# --- the reads as they were (the ORM builds each query on every call) ------------------------


def _had_role(user, *, role: str, office: Office | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    memberships = memberships_active(user=user).filter(role=role)
    if office is not None:
        memberships = memberships.filter(office=office)
    return memberships.exists()


def _was_cpd_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return (
        memberships_active(user=user)
        .filter(role=StaffRole.CPD_ADMIN, office__terc=cpd_office_terc())
        .exists()
    )


def _managed_before(user) -> list[tuple[str, str]]:
    return list(offices_managed_by(user).order_by("name").values_list("terc", "name"))


def _member(user, office, role, department=None, **dates) -> StaffMembership:
    return StaffMembership.objects.create(
        user=user, office=office, role=role, department=department, **dates
    )


@pytest.fixture
def world(settings):
    office_a, office_b, cpd = OfficeFactory(), OfficeFactory(), OfficeFactory()
    settings.CPD_OFFICE_TERC = cpd.terc
    department = DepartmentFactory(office=office_a, symbol="OR")
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    people = {name: StaffFactory() for name in (
        "clerk", "registry", "head", "office_admin", "operator", "cpd_admin", "cpd_elsewhere",
        "revoked", "revoked_admin", "future", "ending_today", "group_manager", "deputy",
        "nobody", "own_and_group",
    )}  # fmt: skip
    people["superuser"] = StaffFactory(is_superuser=True)
    _member(people["clerk"], office_a, StaffRole.CLERK, department)
    _member(people["registry"], office_a, StaffRole.REGISTRY_CLERK)
    _member(people["head"], office_a, StaffRole.HEAD, department)
    _member(people["office_admin"], office_a, StaffRole.OFFICE_ADMIN)
    staff_privileges_sync(user=people["office_admin"])
    _member(people["operator"], office_b, StaffRole.CA_OPERATOR)
    _member(people["cpd_admin"], cpd, StaffRole.CPD_ADMIN)
    _member(people["cpd_elsewhere"], office_a, StaffRole.CPD_ADMIN)  # confers nothing there
    _member(people["revoked"], office_a, StaffRole.CLERK, department, valid_to=today - day)
    _member(people["revoked_admin"], office_a, StaffRole.OFFICE_ADMIN, valid_to=today - day)
    staff_privileges_sync(user=people["revoked_admin"])  # expired: no permission
    _member(people["future"], office_a, StaffRole.CA_OPERATOR, valid_from=today + day)
    _member(people["ending_today"], office_b, StaffRole.CLERK, valid_from=today, valid_to=today)
    managers = Group.objects.create(name="managers of B")
    assign_perm(MANAGE_OFFICE, managers, office_b)
    people["group_manager"].groups.add(managers)
    assign_perm(MANAGE_OFFICE, people["own_and_group"], office_a)
    people["own_and_group"].groups.add(managers)
    now = timezone.now()
    Deputy.objects.create(
        office=office_a,
        principal=people["clerk"],
        deputy=people["deputy"],
        valid_from=now - dt.timedelta(days=10),
        valid_to=now - dt.timedelta(days=1),
    )
    return people, (office_a, office_b, cpd)


def test_every_answer_is_the_orm_reads_for_every_kind_of_person(world):
    people, offices = world
    for name, person in [*people.items(), ("anonymous", AnonymousUser())]:
        user = User.objects.get(pk=person.pk) if person.pk else person
        for role in StaffRole.values:
            for office in (None, *offices):
                assert user_has_role(user, role=role, office=office) == _had_role(
                    user, role=role, office=office
                ), (name, role, office)
        assert is_cpd_admin(user) == _was_cpd_admin(user), name
        assert offices_managed_names(user=user) == _managed_before(user), name


def test_the_answers_grant_where_the_person_works_and_nowhere_else(world):
    people, (office_a, office_b, _cpd) = world
    clerk = people["clerk"]
    assert user_has_role(clerk, role=StaffRole.CLERK, office=office_a)
    assert user_has_role(clerk, role=StaffRole.CLERK)
    assert not user_has_role(clerk, role=StaffRole.CLERK, office=office_b)
    assert not user_has_role(clerk, role=StaffRole.HEAD)
    assert offices_managed_names(user=clerk) == []
    assert offices_managed_names(user=people["office_admin"]) == [(office_a.terc, office_a.name)]
    assert offices_managed_names(user=people["group_manager"]) == [(office_b.terc, office_b.name)]
    assert offices_managed_names(user=people["own_and_group"]) == sorted(
        [(office_a.terc, office_a.name), (office_b.terc, office_b.name)],
        key=lambda office: office[1],
    )
    assert user_has_role(people["operator"], role=StaffRole.CA_OPERATOR, office=office_b)
    assert not user_has_role(people["operator"], role=StaffRole.CA_OPERATOR, office=office_a)
    assert is_cpd_admin(people["cpd_admin"]) and is_cpd_admin(people["superuser"])
    assert not is_cpd_admin(people["cpd_elsewhere"])
    assert user_has_role(people["ending_today"], role=StaffRole.CLERK, office=office_b)
    for refused in ("revoked", "revoked_admin", "future", "deputy", "nobody"):
        person = people[refused]
        assert not any(user_has_role(person, role=role) for role in StaffRole.values), refused
        assert not is_cpd_admin(person), refused
    assert not user_has_role(AnonymousUser(), role=StaffRole.CLERK)
    assert not is_cpd_admin(AnonymousUser())
    assert offices_managed_names(user=AnonymousUser()) == []
    assert len(offices_managed_names(user=people["superuser"])) == Office.objects.count()


def test_the_reads_compile_once_and_see_each_change_at_once(world, compiled):
    people, (_office_a, office_b, cpd) = world
    person = people["nobody"]
    assert not user_has_role(person, role=StaffRole.CA_OPERATOR)  # compiles (or earlier)
    assert offices_managed_names(user=person) == []
    compiled.clear()
    membership = StaffMembership(user=person, office=cpd, role=StaffRole.CPD_ADMIN)
    membership.save()
    assert is_cpd_admin(person) and user_has_role(person, role=StaffRole.CPD_ADMIN, office=cpd)
    membership.valid_to = timezone.localdate() - dt.timedelta(days=1)
    membership.save()
    assert not is_cpd_admin(person) and not user_has_role(person, role=StaffRole.CPD_ADMIN)
    assign_perm(MANAGE_OFFICE, person, office_b)
    assert offices_managed_names(user=person) == [(office_b.terc, office_b.name)]
    compiled.clear()  # the writes above compiled their own statements
    assert is_cpd_admin(person) is False
    assert user_has_role(person, role=StaffRole.CPD_ADMIN) is False
    assert offices_managed_names(user=person) == [(office_b.terc, office_b.name)]
    assert compiled == []


def test_within_roles_read_once_the_checks_share_one_read_and_read_afresh_after_it(world):
    """The staff menu asks two role checks of one person in a row: within the block they read
    the memberships once (nested blocks too); after it, a change shows at once."""
    people, (office_a, office_b, _cpd) = world
    person = User.objects.get(pk=people["operator"].pk)
    assert user_has_role(person, role=StaffRole.CA_OPERATOR)  # compiles (or earlier)
    with CaptureQueriesContext(connection) as queries, roles_read_once(person):
        assert user_has_role(person, role=StaffRole.CA_OPERATOR, office=office_b)
        assert not user_has_role(person, role=StaffRole.CA_OPERATOR, office=office_a)
        assert not is_cpd_admin(person)
        with roles_read_once(person):
            assert not user_has_role(person, role=StaffRole.CLERK)
    assert len(queries.captured_queries) == 1
    StaffMembership.objects.filter(user=person).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    assert not user_has_role(person, role=StaffRole.CA_OPERATOR)
    with roles_read_once(person):
        assert not user_has_role(person, role=StaffRole.CA_OPERATOR, office=office_b)
    with roles_read_once(AnonymousUser()):
        assert not user_has_role(AnonymousUser(), role=StaffRole.CA_OPERATOR)
