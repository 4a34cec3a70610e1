"""Reads of the registry that views and other apps may use."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from sekap.prepared import PreparedValues
from sekap.text import search_key

from .models import DayOff, Department, Deputy, Office, Service, StaffMembership, StaffRole
from .search import parse_query, query_filter

MANAGE_OFFICE = "offices.manage_office"


def offices_search(*, q: str = "", kind: str = "", terc: str = "") -> QuerySet[Office]:
    """Offices matching every word of ``q`` regardless of case and diacritics."""
    offices = Office.objects.select_related("identity")
    for word in search_key(q).split():
        offices = offices.filter(search_text__contains=word)
    if kind:
        offices = offices.filter(kind=kind)
    if terc:
        offices = offices.filter(terc__startswith=terc)
    return offices.order_by("name")


def office_services(office: Office) -> QuerySet[Service]:
    """The services the office offers, for its public page."""
    return Service.objects.filter(office=office, is_active=True).order_by("category", "title")


def office_by_terc(terc: str) -> Office | None:
    return Office.objects.filter(terc=terc).first()


def offices_managed_by(user) -> QuerySet[Office]:
    """Offices whose registry the user may change: all for CPD admins, else their own."""
    if not user.is_authenticated:
        return Office.objects.none()
    if user.is_superuser:
        return Office.objects.all()
    return get_objects_for_user(user, MANAGE_OFFICE, klass=Office, accept_global_perms=False)


def _managed(user_id: int) -> QuerySet:
    return (
        offices_managed_by(get_user_model()(pk=user_id))
        .order_by("name")
        .values_list("terc", "name")
    )


_MANAGED = PreparedValues(Office, _managed)


def offices_managed_names(*, user: AbstractBaseUser | AnonymousUser) -> list[tuple[str, str]]:
    """(TERC, name) of ``offices_managed_by(user)`` by name; for a person who is not a
    superuser guardian's query is compiled once (compiling it cost ~2 ms of CPU against a few
    tenths for running it) and, on PostgreSQL, prepared on the server once per session
    (planning its two subqueries over six tables cost 0.6 ms of the database's CPU)."""
    if not user.is_authenticated or user.is_superuser:
        return list(offices_managed_by(user).order_by("name").values_list("terc", "name"))
    return _MANAGED.rows(user.pk)


def user_manages_office(user, office: Office) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm(MANAGE_OFFICE, office))


def _valid_on(on: dt.date) -> Q:
    """A membership's window holds ``on`` (either end open); ``_roles_held`` checks the same
    in Python."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def memberships_active(*, user, on: dt.date | None = None) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(_valid_on(on or timezone.localdate()), user=user)


def members_with_role(
    *, office: Office, role: str, on: dt.date | None = None
) -> QuerySet[StaffMembership]:
    """The office's memberships in ``role`` valid on ``on`` (today), active accounts only."""
    return StaffMembership.objects.filter(
        _valid_on(on or timezone.localdate()),
        office=office,
        role=role,
        user__is_active=True,
    )


# A person's memberships, expired and future ones too (a handful: the day is checked in
# Python), read by one statement compiled once: building the ORM query for each role check
# cost ~1 ms of CPU against a few tenths for running it (the staff menu asks two of them).
_MEMBERSHIPS = PreparedValues(
    StaffMembership,
    lambda user_id: (
        StaffMembership.objects.filter(user_id=user_id)
        .order_by()
        .values_list("role", "office_id", "office__terc", "valid_from", "valid_to")
    ),
)


_HELD = "_offices_roles_held"  # the person's memberships while ``roles_read_once`` lasts


@contextmanager
def roles_read_once(user) -> Iterator[None]:
    """Within the block, the role checks of ``user`` (``user_has_role``, ``is_cpd_admin``, the
    RA policy's) read the person's memberships once, not once per check: for a caller that
    asks several of them in a row (the staff menu asks two). Outside the block every check
    reads them afresh."""
    if getattr(user, _HELD, None) is not None or not getattr(user, "is_authenticated", False):
        yield
        return
    setattr(user, _HELD, [])
    try:
        yield
    finally:
        delattr(user, _HELD)


def _roles_held(user) -> list[tuple[str, int, str]]:
    """(role, office id, office TERC) of the person's memberships valid today, as
    ``memberships_active`` chooses them."""
    held = getattr(user, _HELD, None)
    if held:
        return held[0]
    on = timezone.localdate()
    roles = [
        (role, office_id, terc)
        for role, office_id, terc, valid_from, valid_to in _MEMBERSHIPS.rows(user.pk)
        if (valid_from is None or valid_from <= on) and (valid_to is None or valid_to >= on)
    ]
    if held is not None:
        held.append(roles)
    return roles


def user_has_role(user, *, role: str, office: Office | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(
        held == role and (office is None or office_id == office.pk)
        for held, office_id, _terc in _roles_held(user)
    )


def cpd_office_terc() -> str:
    """The office that runs the regional data centre (CPD): the voivodeship office by default."""
    return str(getattr(settings, "CPD_OFFICE_TERC", "24"))


def is_cpd_admin(user) -> bool:
    """A CPD administrator: a superuser, or a ``cpd_admin`` membership in the CPD office.

    A ``cpd_admin`` membership in any other office confers nothing (it cannot be granted there
    either, see ``offices.services.membership_grant``).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cpd = cpd_office_terc()
    return any(
        role == StaffRole.CPD_ADMIN and terc == cpd for role, _office, terc in _roles_held(user)
    )


def may_administer_staff(user) -> bool:
    """May import staff and deactivate leavers: CPD administrators, office administrators (the
    services check each office and person)."""
    return is_cpd_admin(user) or offices_managed_by(user).exists()


def offices_where_role(user, *, role: str) -> QuerySet[Office]:
    ids = memberships_active(user=user).filter(role=role).values("office_id")
    return Office.objects.filter(pk__in=ids)


def departments_of(office: Office) -> QuerySet[Department]:
    return Department.objects.filter(office=office).order_by("symbol")


def deputies_active(*, office: Office, at: dt.datetime | None = None) -> QuerySet[Deputy]:
    at = at or timezone.now()
    return Deputy.objects.filter(office=office, valid_from__lte=at, valid_to__gt=at)


def stands_in_for(*, deputy, at: dt.datetime | None = None) -> QuerySet:
    """The people ``deputy`` is standing in for right now."""
    at = at or timezone.now()
    return Deputy.objects.filter(deputy=deputy, valid_from__lte=at, valid_to__gt=at).values(
        "principal_id"
    )


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Poland(years=year))


def is_public_holiday(day: dt.date) -> bool:
    return day in _public_holidays(day.year)


def days_off(*, office: Office, start: dt.date, end: dt.date) -> set[dt.date]:
    """Public holidays and the office's own days off in [start, end]."""
    days = {d for year in range(start.year, end.year + 1) for d in _public_holidays(year)}
    days |= set(
        DayOff.objects.filter(office=office, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    return {d for d in days if start <= d <= end}


def is_working_day(*, office: Office, day: dt.date) -> bool:
    if day.weekday() >= 5 or is_public_holiday(day):
        return False
    return not DayOff.objects.filter(office=office, date=day).exists()


def next_working_day(*, office: Office, day: dt.date) -> dt.date:
    """``day`` itself when the office works that day, else the next day it does."""
    horizon = day + dt.timedelta(days=31)
    closed = days_off(office=office, start=day, end=horizon)
    while day.weekday() >= 5 or day in closed:
        day += dt.timedelta(days=1)
    return day


__all__ = [
    "MANAGE_OFFICE",
    "ServiceGroup",
    "ServiceOffer",
    "StaffRole",
    "catalogue_label",
    "days_off",
    "departments_of",
    "deputies_active",
    "is_public_holiday",
    "is_working_day",
    "members_with_role",
    "memberships_active",
    "next_working_day",
    "office_by_terc",
    "office_services",
    "offices_managed_by",
    "offices_managed_names",
    "offices_search",
    "offices_where_role",
    "search_hints",
    "services_grouped",
    "services_search",
    "stands_in_for",
    "user_has_role",
    "user_manages_office",
]


# --- the service catalogue ------------------------------------------------------------------


def services_search(
    *, office_terc: str = "", q: str = "", category: str = "", life_event: str = ""
) -> QuerySet[Service]:
    """Offered services matching every word of ``q`` in any of its forms (or a synonym, or the
    office's name or place), regardless of case and diacritics (see ``offices.search``)."""
    services = Service.objects.filter(is_active=True).select_related(
        "office", "department", "form_template"
    )
    if office_terc:
        services = services.filter(office__terc=office_terc)
    if q.strip():
        services = services.filter(query_filter(parse_query(q)))
    if category:
        services = services.filter(category=category)
    if life_event:
        services = services.filter(life_event=life_event)
    return services.order_by("office__name", "title")


@dataclass(frozen=True)
class ServiceOffer:
    """One office's offer of a form in the catalogue: what its link shows (no model row)."""

    pk: int
    office_name: str
    category: str


@dataclass(frozen=True)
class ServiceGroup:
    """One form as offered by one or more offices, under its life event."""

    life_event: str
    title: str
    services: tuple[ServiceOffer, ...]


def services_grouped(services: QuerySet[Service], *, language: str) -> list[ServiceGroup]:
    """Services grouped by life event, then by form (one entry per form, its offices within),
    in the order a person scans them: life event, title (in ``language``), office.

    Reads plain values (six columns), not model rows: the whole catalogue is a thousand
    offers, and building two model instances for each was most of the catalogue page's time;
    the translated titles are read only for the one service that names each group."""
    rows = services.order_by("office__name", "title").values_list(
        "pk", "life_event", "form_template_id", "title", "category", "office__name"
    )
    by_form: dict[tuple[str, int], list[tuple]] = {}
    for row in rows:
        by_form.setdefault((row[1], row[2]), []).append(row)
    named_by = [rows_of_form[0][0] for rows_of_form in by_form.values()]
    translations = dict(Service.objects.filter(pk__in=named_by).values_list("pk", "translations"))
    groups = []
    for (life_event, _form), rows_of_form in by_form.items():
        pk, title = rows_of_form[0][0], rows_of_form[0][3]
        translated = (translations.get(pk) or {}).get(language, {}).get("title", "")
        offers = sorted(
            (ServiceOffer(pk=row[0], office_name=row[5], category=row[4]) for row in rows_of_form),
            key=lambda offer: offer.office_name,
        )
        groups.append(
            ServiceGroup(life_event=life_event, title=translated or title, services=tuple(offers))
        )
    return sorted(groups, key=lambda g: (g.life_event or "\uffff", g.title))


def search_hints(q: str, *, language: str) -> list[str]:
    """Explanations for searches whose answer lies partly elsewhere (``data/search_synonyms``)."""
    hints = parse_query(q).hints if q.strip() else ()
    return [(h.hint_en if language == "en" and h.hint_en else h.hint) for h in hints]


@lru_cache(maxsize=1)
def _catalogue_labels() -> dict[str, dict[str, str]]:
    path = Path(__file__).resolve().parent / "data" / "catalogue_labels.csv"
    with path.open(encoding="utf-8") as handle:
        return {row["pl"]: row for row in csv.DictReader(handle)}


def catalogue_label(text: str, *, language: str) -> str:
    """A category or life event in ``language`` (``data/catalogue_labels.csv``); the Polish
    text when the language or the label has no translation."""
    return _catalogue_labels().get(text, {}).get(language) or text


# --- configuration problems (the office problems page) -------------------------------------

# Roles that work a department's cases: a department without any of them has nobody to route to.
CASE_WORKER_ROLES = (StaffRole.CLERK, StaffRole.HEAD)


def services_without_department(*, office_ids: Iterable[int]) -> QuerySet[Service]:
    """Offered services without a working routing department (the department they route to
    was closed): their cases would land on a list nobody works."""
    return (
        Service.objects.filter(office_id__in=list(office_ids), is_active=True)
        .filter(department__is_active=False)
        .only("pk", "office_id", "title")
        .order_by("office_id", "title")
    )


def departments_without_clerks(
    *, office_ids: Iterable[int], on: dt.date | None = None
) -> QuerySet[Department]:
    """Active departments where no active account holds a clerk's or head's role valid on
    ``on`` (today)."""
    on = on or timezone.localdate()
    workers = StaffMembership.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        department_id=OuterRef("pk"),
        role__in=CASE_WORKER_ROLES,
        user__is_active=True,
    )
    return (
        Department.objects.filter(office_id__in=list(office_ids), is_active=True)
        .filter(~Exists(workers))
        .only("pk", "office_id", "symbol", "name")
        .order_by("office_id", "symbol")
    )
