"""A person's model permissions are read by Django's own queries compiled once
(sekap.accounts.backends): the same answers as Django's ModelBackend, read as they are now."""

from __future__ import annotations

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import Group, Permission

from sekap.accounts.backends import ModelBackend
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

MANAGE_FORMS = "forms_platform.manage_forms"


def _permission(name: str) -> Permission:
    app, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions kept on the object


def _answers(backend, user: User) -> tuple:
    user = _fresh(user)
    return (
        backend.get_user_permissions(user),
        backend.get_group_permissions(user),
        backend.get_all_permissions(user),
        backend.has_perm(user, MANAGE_FORMS),
        backend.has_perm(user, MANAGE_FORMS, obj=user),
    )


def test_the_answers_are_djangos_for_user_and_group_permissions_inactive_and_superusers():
    ours, django = ModelBackend(), backends.ModelBackend()
    plain, direct, grouped = StaffFactory(), StaffFactory(), StaffFactory()
    direct.user_permissions.add(_permission(MANAGE_FORMS), _permission("auth.view_group"))
    group = Group.objects.create(name="designers")
    group.permissions.add(_permission(MANAGE_FORMS), _permission("auth.change_group"))
    grouped.groups.add(group)
    inactive = StaffFactory(is_active=False)
    inactive.user_permissions.add(_permission(MANAGE_FORMS))
    superuser = StaffFactory(is_superuser=True)
    for user in (plain, direct, grouped, inactive, superuser):
        assert _answers(ours, user) == _answers(django, user), user
    assert _answers(ours, plain)[2] == set()
    assert _answers(ours, direct)[1:4] == (set(), {MANAGE_FORMS, "auth.view_group"}, True)
    assert _answers(ours, grouped)[0:4:3] == (set(), True)
    assert _answers(ours, grouped)[1] == {MANAGE_FORMS, "auth.change_group"}
    assert _answers(ours, inactive)[2:4] == (set(), False)
    assert MANAGE_FORMS in _answers(ours, superuser)[2]


def _permission_reads(compiled: list[str]) -> list[str]:
    return [sql for sql in compiled if sql.startswith('SELECT "django_content_type"."app_label"')]


def test_the_reads_are_compiled_once_and_see_each_change_at_once(compiled):
    clerk = StaffFactory()
    manage = _permission(MANAGE_FORMS)
    assert not _fresh(clerk).has_perm(MANAGE_FORMS)  # compiles the two reads (or earlier)
    compiled.clear()
    assert not _fresh(clerk).has_perm(MANAGE_FORMS)
    assert not _permission_reads(compiled)

    clerk.user_permissions.add(manage)
    assert _fresh(clerk).has_perm(MANAGE_FORMS)
    clerk.user_permissions.clear()
    assert not _fresh(clerk).has_perm(MANAGE_FORMS)
    group = Group.objects.create(name="designers")
    group.permissions.add(manage)
    clerk.groups.add(group)
    assert _fresh(clerk).has_perm(MANAGE_FORMS)
    group.permissions.clear()
    assert not _fresh(clerk).has_perm(MANAGE_FORMS)
    assert not _permission_reads(compiled)
