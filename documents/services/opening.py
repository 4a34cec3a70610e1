"""Opening a case: the next number of the spis spraw, the sign ``DEPT.JRWA.N.YEAR``, the legal
deadline and the first lines of the metryka. Used by the intake of e-filings and by the paper
desk of the register, so both number cases the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from offices.jrwa import case_class
from offices.models import Office, Service
from sekap import audit

from ..deadlines import deadline_for
from ..errors import CaseActionRefused
from ..models import Case, CaseCounter, Correspondent
from .history import case_event, case_events_add
from .search import new_case_search_text
from .workflow import version_current


def case_number_allocate(*, department_id: int, jrwa_symbol: str, year: int) -> int:
    """The next case number in the department's JRWA class and year (inside a transaction)."""
    return case_numbers_allocate(
        department_id=department_id, jrwa_symbol=jrwa_symbol, year=year, count=1
    )[0]


def case_numbers_allocate(*, department_id: int, jrwa_symbol: str, year: int, count: int) -> range:
    """The next ``count`` case numbers of the class, consecutive (as
    :func:`case_number_allocate`)."""
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        department_id=department_id, jrwa_symbol=jrwa_symbol, year=year
    )
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return range(counter.last_number - count + 1, counter.last_number + 1)


def case_openable(*, office: Office, service: Service) -> bool:
    """A case is opened only on the last level of the office's JRWA tree (REFERENCE §3.6)."""
    return case_class(office_kind=office.kind, symbol=service.jrwa_symbol) is not None


def _case_new(
    *, office: Office, service: Service, title: str, started: dt.date, number: int, version
) -> Case:
    department = service.department
    year = started.year
    return Case(
        office=office,
        department=department,
        service=service,
        jrwa_symbol=service.jrwa_symbol,
        year=year,
        number=number,
        sign=f"{department.symbol}.{service.jrwa_symbol}.{number}.{year}",
        title=title[:300],
        deadline_rule=service.deadline_rule,
        workflow_version=version,
        started_on=started,
        deadline=deadline_for(start=started, rule=service.deadline_rule),
        opened_at=timezone.now(),
    )


def _opened_audit(*, case: Case, actor, origin: dict | None) -> None:
    audit.record(
        actor=actor,
        action="documents.case_opened",
        target=case,
        after={
            "sign": case.sign,
            **(origin or {}),
            "deadline": case.deadline.isoformat() if case.deadline else None,
            "department": case.department_id,
        },
    )


def case_create(
    *,
    office: Office,
    service: Service,
    title: str,
    started: dt.date,
    rpw: str,
    document_ref: str = "",
    applicant=None,
    company=None,
    actor=None,
    origin: dict | None = None,
) -> Case:
    """Open the case of a registered item (inside the caller's transaction)."""
    if not case_openable(office=office, service=service):
        raise CaseActionRefused(_("The service's JRWA class is not a last-level class."))
    number = case_number_allocate(
        department_id=service.department_id, jrwa_symbol=service.jrwa_symbol, year=started.year
    )
    case = _case_new(
        office=office,
        service=service,
        title=title,
        started=started,
        number=number,
        version=version_current(service=service),
    )
    case.applicant, case.company = applicant, company
    case.save(force_insert=True)
    case_event(
        case=case, action="received", params={"rpw": rpw}, actor=actor, document_ref=document_ref
    )
    department = service.department
    case_event(case=case, action="opened", params={"department": department.name}, actor=actor)
    _opened_audit(case=case, actor=actor, origin=origin)
    return case


@dataclass(frozen=True)
class Opening:
    """One case :func:`cases_open` opens: an e-filing registered as ``rpw``, filed by
    ``applicant`` (for ``company``), whose correspondent ``party`` the caller records as its
    applicant (``register.parties.applicants_create``) in the same transaction; ``text``: the
    filed document's (``search.document_text``). Both go into the case's search text."""

    office: Office
    service: Service
    title: str
    started: dt.date
    rpw: str
    document_ref: str
    applicant: Any
    company: Any
    party: Correspondent
    text: str
    origin: dict


def cases_open(*, openings: list[Opening]) -> list[Case]:
    """Open a case for each opening, in their order, with its history and search text, in one
    insert each (as :func:`case_create` of each, inside the caller's transaction). Numbers are
    allocated per class in the given order."""
    if not all(case_openable(office=o.office, service=o.service) for o in openings):
        raise CaseActionRefused(_("The service's JRWA class is not a last-level class."))
    versions: dict[int, Any] = {}
    counts: dict[tuple[int, str, int], int] = {}
    for o in openings:
        if o.service.pk not in versions:
            versions[o.service.pk] = version_current(service=o.service)
        key = (o.service.department_id, o.service.jrwa_symbol, o.started.year)
        counts[key] = counts.get(key, 0) + 1
    numbers = {}
    for key, count in sorted(counts.items()):  # one lock order for every batch
        department_id, jrwa_symbol, year = key
        numbers[key] = iter(
            case_numbers_allocate(
                department_id=department_id, jrwa_symbol=jrwa_symbol, year=year, count=count
            )
        )
    cases = []
    for o in openings:
        case = _case_new(
            office=o.office,
            service=o.service,
            title=o.title,
            started=o.started,
            number=next(numbers[(o.service.department_id, o.service.jrwa_symbol, o.started.year)]),
            version=versions[o.service.pk],
        )
        case.applicant, case.company = o.applicant, o.company
        case.search_text = new_case_search_text(
            case=case, party=o.party, title=o.title, text=o.text
        )
        cases.append(case)
    Case.objects.bulk_create(cases)
    case_events_add(
        events=[
            event
            for case, o in zip(cases, openings, strict=True)
            for event in (
                (case, "received", {"rpw": o.rpw}, o.document_ref),
                (case, "opened", {"department": o.service.department.name}, ""),
            )
        ]
    )
    for case, o in zip(cases, openings, strict=True):
        _opened_audit(case=case, actor=None, origin=o.origin)
    return cases
