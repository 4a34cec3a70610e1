"""Reads of the office's register: correspondents, entries of a period, unmatched scans.

Who may read: the office's registry clerks (and its head or administrator, who see the whole
office); everybody else gets nothing. Each read is one query on typed columns.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from offices.models import Office, StaffRole
from offices.selectors import memberships_active
from sekap.text import search_key

from ..models import Correspondent, RegisterEntry, RegisterScan

REGISTER_ROLES = (StaffRole.REGISTRY_CLERK, StaffRole.HEAD, StaffRole.OFFICE_ADMIN)
SEARCH_LIMIT = 10


def keeps_register(role: str, department_id: int | None) -> bool:
    """Whether a membership keeps its office's register (the rule of ``register_offices``)."""
    return role in REGISTER_ROLES and not (role == StaffRole.HEAD and department_id)


def register_offices(*, user) -> QuerySet[Office]:
    """Offices whose register the user keeps (registry clerk, or an office-wide head/admin)."""
    if not getattr(user, "is_authenticated", False):
        return Office.objects.none()
    memberships = memberships_active(user=user).filter(role__in=REGISTER_ROLES)
    memberships = memberships.exclude(role=StaffRole.HEAD, department__isnull=False)
    return Office.objects.filter(pk__in=memberships.values("office_id")).order_by("name")


def register_office(*, user, terc: str) -> Office | None:
    return register_offices(user=user).filter(terc=terc).first()


def correspondent_search(*, office: Office, q: str, limit: int = SEARCH_LIMIT) -> list:
    """The office's correspondents matching every word of ``q`` (any case, no diacritics
    needed; names, PESEL, NIP, REGON, town, e-mail)."""
    words = search_key(q).split()
    if not words:
        return []
    rows = Correspondent.objects.filter(office=office)
    for word in words:
        rows = rows.filter(search_text__contains=word)
    return list(rows.order_by("last_name", "name", "first_name", "pk")[:limit])


def correspondent_of(*, office: Office, pk) -> Correspondent | None:
    try:
        return Correspondent.objects.filter(office=office, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def register_period(*, office: Office, start: dt.date, end: dt.date) -> QuerySet[RegisterEntry]:
    """Entries received from ``start`` to ``end`` (inclusive, Warsaw days), in RPW order."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return (
        RegisterEntry.objects.filter(office=office, received_at__gte=since, received_at__lt=until)
        .select_related("department", "correspondent", "case")
        .order_by("year", "number")
    )


def register_entry_of(*, office: Office, pk) -> RegisterEntry | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        RegisterEntry.objects.filter(office=office, pk=pk)
        .select_related("department", "correspondent", "case", "registered_by")
        .first()
    )


def label_entry(*, user, terc: str, pk) -> RegisterEntry | None:
    """An entry of an office whose register ``user`` keeps, with its office (one query: the
    label is printed right after each registration)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    offices = register_offices(user=user).filter(terc=terc).values("pk")
    return (
        RegisterEntry.objects.filter(pk=pk, office__in=offices)
        .select_related("office")
        .only("number", "year", "received_at", "office__name", "office__terc")
        .first()
    )


def unmatched_scans(*, office: Office) -> QuerySet[RegisterScan]:
    return (
        RegisterScan.objects.filter(office=office, entry__isnull=True)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("uploaded_at", "pk")
    )


def scan_of(*, office: Office, pk) -> RegisterScan | None:
    try:
        return RegisterScan.objects.filter(office=office, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def case_parties(case) -> list:
    """The parties of a case with their correspondents (one query)."""
    return list(
        case.parties.select_related("correspondent", "represents__correspondent").order_by("pk")
    )


def case_paper_items(case) -> list:
    """Register entries of the case that came without an electronic document, with scans."""
    return list(
        RegisterEntry.objects.filter(case=case, submission__isnull=True)
        .select_related("office")
        .prefetch_related(Prefetch("scans", queryset=RegisterScan.objects.defer("content")))
        .order_by("received_at", "pk")
    )


def register_entry_by_rpw(*, office: Office, rpw: str) -> RegisterEntry | None:
    """``RPW/12/2026`` or ``12/2026`` of this office."""
    parts = rpw.strip().removeprefix("RPW/").split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return RegisterEntry.objects.filter(
        office=office, number=int(parts[0]), year=int(parts[1])
    ).first()


def office_case_by_sign(*, office: Office, sign: str):
    from ..models import Case

    return Case.objects.filter(office=office, sign=sign.strip()).first()


def paper_services(*, office: Office) -> list:
    """The services a paper item may open a case of (the office's active services)."""
    from offices.selectors import office_services

    return list(office_services(office).select_related("department"))
