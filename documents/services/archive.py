"""Closing cases and keeping their files (instrukcja kancelaryjna, JRWA; REFERENCE §3.6).

* the archival category comes from the case's JRWA class (home-unit column), never by hand;
* retention: B*n* and BE*n* files are kept *n* full years counted from 1 January of the year
  after closing; A files permanently (never proposed); Bc files after use, i.e. from
  1 January after closing (the practice, REFERENCE §3.6, still to be confirmed);
* a department hands closed files to the office archive on a transfer list (spis
  zdawczo-odbiorczy), which the archivist accepts;
* expired B files are listed on a destruction proposal for a decision (the state archive's
  consent); nothing is deleted here, ever. Expired BE files go to an expert review instead.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.jrwa import case_class
from offices.models import Department, Office
from offices.selectors import members_with_role, memberships_active
from sekap import audit
from sekap.errors import NotAllowed
from sekap.outbox.services import mail_queue, mail_queued_about
from sekap.site import public_url

from ..errors import CaseActionRefused
from ..models import (
    Case,
    CaseClosure,
    CaseResult,
    DestructionProposal,
    ProposalStatus,
    TransferList,
)
from ..selectors import cases_visible_to
from .history import case_event
from .workflow import case_transition

_CATEGORY = re.compile(r"^(A|B|BE|Bc)(\d{0,3})$")


def retention_until(*, category: str, closed_on: dt.date) -> dt.date | None:
    """The first day the file may be destroyed or reviewed; None for A (kept for ever)."""
    match = _CATEGORY.match(category)
    if match is None:
        raise ValueError(f"unknown archival category {category!r}")
    kind, years = match.groups()
    if kind == "A":
        return None
    if kind == "Bc":
        return dt.date(closed_on.year + 1, 1, 1)
    if not years:
        raise ValueError(f"category {category!r} needs its years")
    return dt.date(closed_on.year + 1 + int(years), 1, 1)


def closure_record(*, case: Case, result: str, actor=None) -> CaseClosure:
    """Record how the case closed and how long its file is kept (the caller holds the case's
    row lock and has closed it); once per case."""
    existing = CaseClosure.objects.filter(case=case).first()
    if existing is not None:
        return existing
    if result not in CaseResult.values:
        raise CaseActionRefused(_("Choose the result of the case."))
    jrwa = case_class(office_kind=case.office.kind, symbol=case.jrwa_symbol)
    if jrwa is None or not jrwa.category_home:
        raise CaseActionRefused(_("The case's JRWA class has no archival category."))
    closed_on = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    closure = CaseClosure.objects.create(
        case=case,
        result=result,
        closed_on=closed_on,
        closed_by=actor,
        jrwa_heading=jrwa.heading[:300],
        archival_category=jrwa.category_home,
        retention_until=retention_until(category=jrwa.category_home, closed_on=closed_on),
    )
    case_event(
        case=case,
        action="closed",
        params={"result": result, "category": closure.archival_category},
        actor=actor,
    )
    return closure


@transaction.atomic
def case_close(*, case: Case, actor, result: str) -> CaseClosure:
    """Close the case with ``result``; its category and retention follow from its JRWA class."""
    case = Case.objects.select_for_update(of=("self",)).select_related("office").get(pk=case.pk)
    if not cases_visible_to(staff=actor).filter(pk=case.pk).exists():
        raise NotAllowed()
    if case.is_closed:
        raise CaseActionRefused(_("The case is closed."))
    if result not in CaseResult.values:
        raise CaseActionRefused(_("Choose the result of the case."))
    before = {"status": case.status}
    step = "leave_unexamined" if result == CaseResult.LEFT_UNEXAMINED else "close"
    case = case_transition(case=case, transition=step, actor=actor)
    closure = closure_record(case=case, result=result, actor=actor)
    audit.record(
        actor=actor,
        action="documents.case_closed",
        target=case,
        before=before,
        after={
            "status": case.status,
            "result": result,
            "category": closure.archival_category,
            "retention_until": closure.retention_until and closure.retention_until.isoformat(),
        },
    )
    return closure


# --- who may see and do what ----------------------------------------------------------------


def is_archivist(user, office_id: int) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and memberships_active(user=user).filter(role="archivist", office_id=office_id).exists()
    )


def _may_hand_over(user, department: Department) -> bool:
    memberships = memberships_active(user=user).filter(office_id=department.office_id)
    return (
        memberships.filter(role__in=("clerk", "head"), department=department).exists()
        or memberships.filter(role="head", department__isnull=True).exists()
        or memberships.filter(role="archivist").exists()
    )


def _next_number(model, office_id: int, year: int) -> int:
    Office.objects.select_for_update().get(pk=office_id)  # numbers per office and year
    last = model.objects.filter(office_id=office_id, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


# --- transfer lists (spis zdawczo-odbiorczy) ------------------------------------------------


def transfer_candidates(*, department: Department, closed_until: dt.date) -> QuerySet[CaseClosure]:
    return CaseClosure.objects.filter(
        case__department=department, closed_on__lte=closed_until, transfer_list__isnull=True
    )


@transaction.atomic
def transfer_list_create(*, department: Department, actor, closed_until: dt.date) -> TransferList:
    """Put the department's closed files (closed by ``closed_until``) on a new transfer list."""
    if not _may_hand_over(actor, department):
        raise NotAllowed()
    now = timezone.now()
    number = _next_number(TransferList, department.office_id, timezone.localdate(now).year)
    closures = transfer_candidates(department=department, closed_until=closed_until)
    ids = list(closures.select_for_update(of=("self",)).values_list("pk", flat=True))
    if not ids:
        raise CaseActionRefused(_("No closed files to hand over."))
    transfer = TransferList.objects.create(
        office_id=department.office_id,
        department=department,
        year=timezone.localdate(now).year,
        number=number,
        closed_until=closed_until,
        created_by=actor,
        created_at=now,
    )
    CaseClosure.objects.filter(pk__in=ids).update(transfer_list=transfer)
    audit.record(
        actor=actor,
        action="documents.transfer_list_created",
        target=transfer,
        after={"number": f"{number}/{transfer.year}", "files": len(ids)},
    )
    return transfer


@transaction.atomic
def transfer_list_accept(*, transfer_list: TransferList, archivist) -> TransferList:
    """The archivist confirms the files on the list were received by the office archive."""
    transfer = TransferList.objects.select_for_update().get(pk=transfer_list.pk)
    if not is_archivist(archivist, transfer.office_id):
        raise NotAllowed()
    if transfer.accepted_at is not None:
        raise CaseActionRefused(_("The list has already been accepted."))
    transfer.accepted_by = archivist
    transfer.accepted_at = timezone.now()
    transfer.save(update_fields=["accepted_by", "accepted_at"])
    audit.record(
        actor=archivist,
        action="documents.transfer_list_accepted",
        target=transfer,
        after={"number": str(transfer)},
    )
    return transfer


# --- destruction proposals (brakowanie) ------------------------------------------------------


def destruction_candidates(*, office: Office, as_of: dt.date) -> QuerySet[CaseClosure]:
    """Non-archival (B, Bc) files whose retention ended by ``as_of``, not on a proposal that
    is waiting or approved (after a rejection they may be proposed again)."""
    return CaseClosure.objects.filter(
        Q(destruction_proposal__isnull=True)
        | Q(destruction_proposal__status=ProposalStatus.REJECTED),
        case__office=office,
        retention_until__lte=as_of,
        archival_category__startswith="B",
    ).exclude(archival_category__startswith="BE")


def expert_review_due(*, office: Office, as_of: dt.date) -> QuerySet[CaseClosure]:
    """BE files whose period ended: the state archive reviews them (they may become A)."""
    return CaseClosure.objects.filter(
        case__office=office, retention_until__lte=as_of, archival_category__startswith="BE"
    )


@transaction.atomic
def destruction_proposal_create(
    *, office: Office, archivist, as_of: dt.date
) -> DestructionProposal:
    """List the expired B files for a decision; they stay where they are until it is made."""
    if not is_archivist(archivist, office.pk):
        raise NotAllowed()
    if as_of > timezone.localdate():
        raise CaseActionRefused(_("Files can be proposed only once their period has ended."))
    now = timezone.now()
    number = _next_number(DestructionProposal, office.pk, timezone.localdate(now).year)
    ids = list(
        destruction_candidates(office=office, as_of=as_of)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    if not ids:
        raise CaseActionRefused(_("No expired non-archival files."))
    proposal = DestructionProposal.objects.create(
        office=office,
        year=timezone.localdate(now).year,
        number=number,
        as_of=as_of,
        created_by=archivist,
        created_at=now,
    )
    CaseClosure.objects.filter(pk__in=ids).update(destruction_proposal=proposal)
    audit.record(
        actor=archivist,
        action="documents.destruction_proposed",
        target=proposal,
        after={"number": str(proposal), "files": len(ids)},
    )
    return proposal


@transaction.atomic
def destruction_proposal_decide(
    *, proposal: DestructionProposal, archivist, approved: bool, reference: str
) -> DestructionProposal:
    """Record the decision on the proposal (the state archive's consent and its reference).
    Approval records consent only; destroying the files is a separate, physical act."""
    proposal = DestructionProposal.objects.select_for_update().get(pk=proposal.pk)
    if not is_archivist(archivist, proposal.office_id):
        raise NotAllowed()
    if proposal.status != ProposalStatus.PROPOSED:
        raise CaseActionRefused(_("The decision has already been recorded."))
    if not reference.strip():
        raise CaseActionRefused(_("Give the reference of the state archive's decision."))
    proposal.status = ProposalStatus.APPROVED if approved else ProposalStatus.REJECTED
    proposal.decided_by = archivist
    proposal.decided_at = timezone.now()
    proposal.decision_reference = reference.strip()[:200]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reference"])
    audit.record(
        actor=archivist,
        action="documents.destruction_decided",
        target=proposal,
        after={"status": proposal.status, "reference": proposal.decision_reference},
    )
    return proposal


def destruction_due_notify(*, today: dt.date | None = None) -> int:
    """Tell each office's archivists, once a month while it lasts, that non-archival files have
    outlived their period and wait for a destruction proposal and the state archive's
    decision. Nothing is destroyed here; returns how many offices were told."""
    today = today or timezone.localdate()
    offices = Office.objects.filter(
        pk__in=CaseClosure.objects.filter(
            Q(destruction_proposal__isnull=True)
            | Q(destruction_proposal__status=ProposalStatus.REJECTED),
            retention_until__lte=today,
            archival_category__startswith="B",
        )
        .exclude(archival_category__startswith="BE")
        .values("case__office_id")
    )
    told = 0
    for office in offices:
        topic = f"documents.destruction_due:{office.pk}:{today:%Y-%m}"
        if mail_queued_about(topic=topic):
            continue
        count = destruction_candidates(office=office, as_of=today).count()
        # the archivists; an office without one: its administrators
        people = members_with_role(office=office, role="archivist") or members_with_role(
            office=office, role="office_admin"
        )
        people = people.values_list("user__email", flat=True)
        with transaction.atomic():
            for email in sorted(set(people)):
                mail_queue(
                    to=email,
                    topic=topic,
                    subject=_("SEKAP: non-archival files wait for a destruction decision"),
                    body=_(
                        "%(office)s: %(count)s closed files of category B have outlived their "
                        "period. Prepare a destruction proposal for the state archive's "
                        "decision; nothing is destroyed without it.\n\n%(url)s"
                    )
                    % {
                        "office": office.name,
                        "count": count,
                        "url": public_url("/backoffice/archiwum/"),
                    },
                )
        told += 1
    return told
