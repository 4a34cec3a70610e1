"""Opening a case: the next number of the spis spraw, the sign ``DEPT.JRWA.N.YEAR``, the legal
deadline and the first lines of the metryka. Used by the intake of e-filings and by the paper
desk of the register, so both number cases the same way."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from offices.jrwa import case_class
from offices.models import Office, Service
from sekap import audit

from ..deadlines import deadline_for
from ..errors import CaseActionRefused
from ..models import Case, CaseCounter
from .history import case_event
from .workflow import version_current


def case_number_allocate(*, department_id: int, jrwa_symbol: str, year: int) -> int:
    """The next case number in the department's JRWA class and year (inside a transaction)."""
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        department_id=department_id, jrwa_symbol=jrwa_symbol, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


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
    department = service.department
    if case_class(office_kind=office.kind, symbol=service.jrwa_symbol) is None:
        # a case is opened only on the last level of the office's JRWA tree (REFERENCE §3.6)
        raise CaseActionRefused(_("The service's JRWA class is not a last-level class."))
    year = started.year
    number = case_number_allocate(
        department_id=department.pk, jrwa_symbol=service.jrwa_symbol, year=year
    )
    case = Case.objects.create(
        office=office,
        department=department,
        service=service,
        jrwa_symbol=service.jrwa_symbol,
        year=year,
        number=number,
        sign=f"{department.symbol}.{service.jrwa_symbol}.{number}.{year}",
        title=title[:300],
        applicant=applicant,
        company=company,
        deadline_rule=service.deadline_rule,
        workflow_version=version_current(service=service),
        started_on=started,
        deadline=deadline_for(start=started, rule=service.deadline_rule),
        opened_at=timezone.now(),
    )
    case_event(
        case=case, action="received", params={"rpw": rpw}, actor=actor, document_ref=document_ref
    )
    case_event(case=case, action="opened", params={"department": department.name}, actor=actor)
    audit.record(
        actor=actor,
        action="documents.case_opened",
        target=case,
        after={
            "sign": case.sign,
            **(origin or {}),
            "deadline": case.deadline.isoformat() if case.deadline else None,
            "department": department.pk,
        },
    )
    return case
