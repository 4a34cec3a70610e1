"""Privileges that follow from memberships: kept equal to the memberships valid today.

Three privileges are derived from a person's memberships rather than checked against them on
each request: django-guardian's ``offices.manage_office`` object permission (an office
administrator's, read by the registry's admin and the staff menu), the account's
``is_superuser`` flag (a CPD administrator's, read by Django's admin site) and its ``is_staff``
flag (either administrator's: the admin site's door, and its link on the staff home). A
membership has a validity window, so a privilege must follow both a change of the membership
and the window's ends, which no write marks: ``staff_privileges_sync`` puts one person's
privileges right after every change of their memberships, and ``staff_privileges_refresh``
(beat, hourly) does it for everyone who holds or held such a membership, so an expired
administrator loses the office within the hour after midnight and a future one gains it when
the window opens.

An account made superuser or staff outside the registry (``createsuperuser``, the platform's
first account) holds no administrator's membership and is left alone; one whose flag came from
such a membership loses it with the last valid one. Each change is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from sekap import audit
from sekap.accounts.models import User

from .models import Office, OfficeUserObjectPermission, StaffMembership, StaffRole
from .selectors import MANAGE_OFFICE, cpd_office_terc, memberships_active

_DERIVING_ROLES = (StaffRole.OFFICE_ADMIN, StaffRole.CPD_ADMIN)


@dataclass(frozen=True)
class PrivilegeChange:
    user: User
    offices_granted: tuple[str, ...]  # TERC codes
    offices_withdrawn: tuple[str, ...]
    superuser: bool | None  # the new value, None when unchanged
    staff: bool | None = None  # the new is_staff, None when unchanged

    def __bool__(self) -> bool:
        return bool(
            self.offices_granted
            or self.offices_withdrawn
            or self.superuser is not None
            or self.staff is not None
        )


_MANAGE = {"permission__codename": MANAGE_OFFICE.split(".")[1]}


def _deriving(user: User | None = None):
    """Administrators' memberships (any window), of ``user`` or of everyone."""
    rows = StaffMembership.objects.filter(role__in=_DERIVING_ROLES)
    return rows if user is None else rows.filter(user=user)


def _managed_office_ids(user: User) -> set[int]:
    """The offices ``user`` holds the permission for in person (not through a group)."""
    rows = OfficeUserObjectPermission.objects.filter(user=user, **_MANAGE)
    return set(rows.values_list("content_object_id", flat=True))


def staff_privileges_sync(
    *,
    user: User,
    actor: User | None = None,
    on: dt.date | None = None,
    cpd_withdrawn: bool = False,
    admin_withdrawn: bool = False,
) -> PrivilegeChange:
    """Grant and withdraw ``user``'s derived privileges so that they match the memberships
    valid on ``on`` (today). ``cpd_withdrawn``: a CPD membership of the person was just
    deleted, so a superuser flag with no CPD membership left came from it;
    ``admin_withdrawn``: an administrator's membership was, so the staff flag came from it."""
    on = on or timezone.localdate()
    active = memberships_active(user=user, on=on).filter(role__in=_DERIVING_ROLES)
    wanted = set(active.filter(role=StaffRole.OFFICE_ADMIN).values_list("office_id", flat=True))
    held = _managed_office_ids(user)
    cpd_held = StaffMembership.objects.filter(
        user=user, role=StaffRole.CPD_ADMIN, office__terc=cpd_office_terc()
    )
    cpd_active = active.filter(role=StaffRole.CPD_ADMIN, office__terc=cpd_office_terc()).exists()
    superuser = None
    if cpd_active and not user.is_superuser:
        superuser = True
    elif user.is_superuser and not cpd_active and (cpd_withdrawn or cpd_held.exists()):
        superuser = False
    staff = None
    if (wanted or cpd_active) and not user.is_staff:
        staff = True
    elif (
        user.is_staff
        and not (wanted or cpd_active)
        and (admin_withdrawn or cpd_withdrawn or held or _deriving(user).exists())
    ):
        staff = False
    granted = Office.objects.filter(pk__in=wanted - held).order_by("terc")
    withdrawn = Office.objects.filter(pk__in=held - wanted).order_by("terc")
    change = PrivilegeChange(
        user=user,
        offices_granted=tuple(granted.values_list("terc", flat=True)),
        offices_withdrawn=tuple(withdrawn.values_list("terc", flat=True)),
        superuser=superuser,
        staff=staff,
    )
    if not change:
        return change
    with transaction.atomic():
        for office in granted:
            assign_perm(MANAGE_OFFICE, user, office)
        for office in withdrawn:
            remove_perm(MANAGE_OFFICE, user, office)
        flags = {"is_superuser": superuser, "is_staff": staff}
        flags = {name: value for name, value in flags.items() if value is not None}
        if flags:
            for name, value in flags.items():
                setattr(user, name, value)
            user.save(update_fields=list(flags))
        audit.record(
            actor=actor,
            action="offices.privileges.synced",
            target=user,
            after={
                "on": on.isoformat(),
                "offices_granted": list(change.offices_granted),
                "offices_withdrawn": list(change.offices_withdrawn),
                "superuser": superuser,
                "staff": staff,
            },
        )
    return change


def staff_privileges_refresh(*, on: dt.date | None = None) -> int:
    """``staff_privileges_sync`` for everyone with an administrator's membership (any window)
    or an office permission; returns how many people changed. Idempotent."""
    held_by = OfficeUserObjectPermission.objects.filter(**_MANAGE).values("user_id")
    people = User.objects.filter(pk__in=held_by) | User.objects.filter(
        pk__in=_deriving().values("user_id")
    )
    return sum(bool(staff_privileges_sync(user=user, on=on)) for user in people.distinct())
