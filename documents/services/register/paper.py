"""The registry clerk's paper desk: register a paper item (RPW number), then open a case with
its sender as the applicant party, or add it to a case of the same office."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import Department, Office, Service
from sekap import audit
from sekap.errors import NotAllowed

from ...errors import RegisterRefused
from ...models import (
    PAPER_CHANNELS,
    Case,
    CaseStatus,
    Correspondent,
    PartyRole,
    RegisterEntry,
)
from ..history import case_event
from ..opening import case_create
from .numbers import rpw_insert
from .parties import party_create


def _keeper(*, office: Office, clerk) -> None:
    from ...selectors.register import register_offices

    if not register_offices(user=clerk).filter(pk=office.pk).exists():
        raise NotAllowed()


def paper_register(
    *,
    office: Office,
    clerk,
    correspondent: Correspondent,
    department: Department,
    title: str,
    channel: str,
    received_at: dt.datetime | None = None,
    sender_reference: str = "",
    sender_date: dt.date | None = None,
    attachments_count: int | None = None,
    attachments_kind: str = "",
) -> RegisterEntry:
    """Register a paper item in the office's RPW: the next gap-free number of the year.

    Every check and every value is done first; the transaction then only takes the RPW number
    with the entry's row (one statement) and appends the audit entry: the two per-office row
    locks (counter, then audit chain head) are held for those statements and the commit."""
    _keeper(office=office, clerk=clerk)
    if correspondent.office_id != office.pk or department.office_id != office.pk:
        raise NotAllowed()
    if channel not in PAPER_CHANNELS:
        raise RegisterRefused(_("Choose how the letter came: by post or in person."))
    if not title.strip():
        raise RegisterRefused(_("Give the subject of the letter."))
    now = timezone.now()
    received_at = received_at or now
    entry = RegisterEntry(
        office=office,
        year=timezone.localtime(received_at).year,
        received_at=received_at,
        registered_at=now,
        registered_by=clerk,
        sender=correspondent.display_name[:300],
        correspondent=correspondent,
        sender_reference=sender_reference.strip()[:100],
        sender_date=sender_date,
        attachments_count=attachments_count,
        attachments_kind=attachments_kind.strip()[:200],
        title=title.strip()[:300],
        channel=channel,
        department=department,
    )
    with transaction.atomic(savepoint=False):  # no RELEASE SAVEPOINT inside the locks either
        rpw_insert(entry=entry)
        audit.record(
            actor=clerk,
            action="documents.registered",
            target=entry,
            after={"rpw": entry.rpw, "office": office.pk, "channel": channel},
        )
    return entry


def _open_entry(*, entry: RegisterEntry, clerk) -> RegisterEntry:
    _keeper(office=entry.office, clerk=clerk)
    # only the entry's row is locked (its correspondent is an outer join PostgreSQL cannot lock)
    locked = (
        RegisterEntry.objects.select_for_update(of=("self",))
        .select_related("correspondent")
        .get(pk=entry.pk)
    )
    if locked.case_id is not None:
        raise RegisterRefused(_("This item is already in case %(sign)s.") % {"sign": locked.case})
    if locked.submission_id is not None:
        raise RegisterRefused()
    return locked


@transaction.atomic
def entry_case_open(*, entry: RegisterEntry, service: Service, clerk) -> Case:
    """Open a case for the item: the service gives the department, JRWA class and deadline; the
    sender becomes the applicant party (their SEKAP account, if any, the case's applicant)."""
    entry = _open_entry(entry=entry, clerk=clerk)
    if service.office_id != entry.office_id:
        raise NotAllowed()
    who = entry.correspondent
    case = case_create(
        office=entry.office,
        service=service,
        title=entry.title,
        started=timezone.localtime(entry.received_at).date(),
        rpw=entry.rpw,
        document_ref=entry.rpw,
        applicant=who.account if who else None,
        company=who.company if who else None,
        actor=clerk,
        origin={"rpw": entry.rpw},
    )
    if who is not None:
        party_create(case=case, correspondent=who, role=PartyRole.APPLICANT)
        case_event(
            case=case,
            action="party_added",
            params={"name": who.display_name, "role": PartyRole.APPLICANT},
            actor=clerk,
        )
    entry.case = case
    entry.department = service.department
    entry.save(update_fields=["case", "department"])
    return case


@transaction.atomic
def entry_case_join(*, entry: RegisterEntry, case: Case, clerk) -> Case:
    """Add the item to an open case of the same office."""
    entry = _open_entry(entry=entry, clerk=clerk)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.office_id != entry.office_id:
        raise NotAllowed()
    if case.status == CaseStatus.CLOSED:
        raise RegisterRefused(_("Case %(sign)s is closed.") % {"sign": case.sign})
    entry.case = case
    entry.department = case.department
    entry.save(update_fields=["case", "department"])
    case_event(
        case=case,
        action="item_joined",
        params={"sender": entry.sender, "rpw": entry.rpw},
        actor=clerk,
        document_ref=entry.rpw,
    )
    audit.record(
        actor=clerk,
        action="documents.register_joined",
        target=entry,
        after={"rpw": entry.rpw, "case": case.sign},
    )
    return case
