"""Parallel opinions within a case: asked for by the clerk handling it, answered by the
department or the person asked, each with its own due date; several may run at once.

The first request takes the workflow step ``request_opinions`` (examined -> waiting for
opinions); the clerk takes ``opinions_complete`` when the condition ``opinions_given`` holds:
at least one opinion was asked for and every one not withdrawn is answered. Each step is in
the metryka and the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import Department
from offices.selectors import memberships_active
from sekap import antivirus, audit
from sekap.errors import NotAllowed
from sekap.storage import StoredBytes

from ..errors import OpinionRefused
from ..models import Case, CaseStatus, Opinion, OpinionAttachment, OpinionStatus
from ..selectors.opinions import may_answer
from ..selectors.visibility import CASE_ROLES, cases_visible_to
from .history import case_event, position_of
from .workflow import authority_for, case_transition, requirement_check

MAX_ANSWER = 20000
MAX_FILE = 10 * 1024 * 1024
MAX_FILES = 10


@dataclass(frozen=True)
class AttachedFile:
    name: str
    content_type: str
    content: bytes


@requirement_check("opinions_given")
def _all_given(case: Case) -> bool:
    statuses = set(
        Opinion.objects.filter(case=case)
        .exclude(status=OpinionStatus.WITHDRAWN)
        .values_list("status", flat=True)
    )
    return statuses == {OpinionStatus.GIVEN}


def _name(user) -> str:
    return user.get_full_name() or user.email


def _addressee(opinion: Opinion) -> str:
    return opinion.department.name if opinion.department_id else _name(opinion.clerk)


def _handler(*, case: Case, actor, now: dt.datetime):
    authority = authority_for(actor=actor, case=case, roles=("clerk",), at=now)
    if authority is None or not cases_visible_to(staff=actor).filter(pk=case.pk).exists():
        raise NotAllowed()
    return authority


@transaction.atomic
def opinion_request(
    *,
    case: Case,
    actor,
    question: str,
    due_on: dt.date,
    department: Department | None = None,
    clerk=None,
    now: dt.datetime | None = None,
) -> Opinion:
    """Ask a department or one person of the case's office for an opinion."""
    now = now or timezone.now()
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    authority = _handler(case=case, actor=actor, now=now)
    question = question.strip()
    if not question or (department is None) == (clerk is None):
        raise OpinionRefused(_("Ask one department or one person, and write the question."))
    if department is not None and department.office_id != case.office_id:
        raise OpinionRefused(_("Ask a department of the case's office."))
    if clerk is not None and not (
        memberships_active(user=clerk, on=timezone.localdate(now))
        .filter(office_id=case.office_id, role__in=CASE_ROLES)
        .exists()
    ):
        raise OpinionRefused(_("Ask a member of staff of the case's office."))
    if due_on < timezone.localdate(now):
        raise OpinionRefused(_("The due date cannot be in the past."))
    if case.status == CaseStatus.IN_PROGRESS:
        case = case_transition(case=case, transition="request_opinions", actor=actor, now=now)
    elif case.status != CaseStatus.OPINIONS:
        raise OpinionRefused(_("Opinions are asked for while the case is being examined."))
    opinion = Opinion.objects.create(
        case=case,
        department=department,
        clerk=clerk,
        question=question,
        due_on=due_on,
        requested_by=actor,
        requested_at=now,
    )
    case_event(
        case=case,
        action="opinion_requested",
        params={"addressee": _addressee(opinion), "due": due_on.isoformat()},
        actor=actor,
        on_behalf_of=authority.on_behalf_of,
        document_ref=str(opinion.public_id),
        at=now,
    )
    audit.record(
        actor=actor,
        action="documents.opinion_requested",
        target=opinion,
        after={
            "case": case.sign,
            "department": department.pk if department else None,
            "clerk": clerk.pk if clerk else None,
            "due_on": due_on.isoformat(),
        },
    )
    return opinion


def _locked(opinion: Opinion) -> Opinion:
    return (
        Opinion.objects.select_for_update(of=("self",))
        .select_related("case", "department", "clerk")
        .get(pk=opinion.pk)
    )


def opinion_answer(
    *,
    opinion: Opinion,
    actor,
    answer: str,
    files: list[AttachedFile] = (),  # type: ignore[assignment]
    now: dt.datetime | None = None,
) -> Opinion:
    """The person asked, or a clerk or head of the department asked, gives the opinion. The
    files are checked for malware and stored before the transaction (both are network calls),
    which checks the opinion again under its lock."""
    now = now or timezone.now()
    answer = answer.strip()
    current = Opinion.objects.select_related("case", "department", "clerk").get(pk=opinion.pk)
    _answer_check(current, actor=actor, answer=answer, files=files, now=now)
    for f in files:
        antivirus.scan(content=f.content, name=f.name)
    field = OpinionAttachment._meta.get_field("content")
    stored = [field.store(f.content) for f in files]
    with transaction.atomic():
        opinion = _locked(opinion)
        _answer_check(opinion, actor=actor, answer=answer, files=files, now=now)
        return _answer_record(
            opinion, actor=actor, answer=answer, files=files, stored=stored, now=now
        )


def _answer_check(
    opinion: Opinion, *, actor, answer: str, files: list[AttachedFile], now: dt.datetime
) -> None:
    if not may_answer(user=actor, opinion=opinion, on=timezone.localdate(now)):
        raise NotAllowed()
    if opinion.status != OpinionStatus.REQUESTED:
        raise OpinionRefused(_("This opinion is not waiting for an answer."))
    if not answer or len(answer) > MAX_ANSWER:
        raise OpinionRefused(_("Write the opinion (at most 20,000 characters)."))
    if len(files) > MAX_FILES or any(len(f.content) > MAX_FILE for f in files):
        raise OpinionRefused(_("Attach at most 10 files of at most 10 MB each."))


def _answer_record(
    opinion: Opinion,
    *,
    actor,
    answer: str,
    files: list[AttachedFile],
    stored: list[StoredBytes],
    now: dt.datetime,
) -> Opinion:
    for f, content in zip(files, stored, strict=True):
        OpinionAttachment.objects.create(
            opinion=opinion,
            filename=f.name[:200],
            content_type=(f.content_type or "application/octet-stream")[:100],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )
    opinion.answer = answer
    opinion.answered_by = actor
    opinion.answered_label = _name(actor)[:200]
    opinion.answered_position = position_of(user=actor, case=opinion.case)
    opinion.answered_at = now
    opinion.status = OpinionStatus.GIVEN
    opinion.save()
    case_event(
        case=opinion.case,
        action="opinion_given",
        params={"addressee": _addressee(opinion), "files": len(files)},
        actor=actor,
        document_ref=str(opinion.public_id),
        at=now,
    )
    audit.record(
        actor=actor,
        action="documents.opinion_given",
        target=opinion,
        after={"files": [hashlib.sha256(f.content).hexdigest() for f in files]},
    )
    return opinion


@transaction.atomic
def opinion_withdraw(*, opinion: Opinion, actor, now: dt.datetime | None = None) -> Opinion:
    """The clerk handling the case withdraws a question not answered yet."""
    now = now or timezone.now()
    opinion = _locked(opinion)
    authority = _handler(case=opinion.case, actor=actor, now=now)
    if opinion.status != OpinionStatus.REQUESTED:
        raise OpinionRefused(_("This opinion is not waiting for an answer."))
    opinion.status = OpinionStatus.WITHDRAWN
    opinion.save(update_fields=["status"])
    case_event(
        case=opinion.case,
        action="opinion_withdrawn",
        params={"addressee": _addressee(opinion)},
        actor=actor,
        on_behalf_of=authority.on_behalf_of,
        document_ref=str(opinion.public_id),
        at=now,
    )
    audit.record(actor=actor, action="documents.opinion_withdrawn", target=opinion)
    return opinion


def opinion_file_read(*, reader, attachment: OpinionAttachment) -> None:
    """Record that a member of staff downloaded an opinion's attachment."""
    audit.record(
        actor=reader,
        action="documents.opinion_file_read",
        target=attachment.opinion,
        after={"file": attachment.pk, "sha256": attachment.sha256},
    )


__all__ = [
    "AttachedFile",
    "opinion_answer",
    "opinion_file_read",
    "opinion_request",
    "opinion_withdraw",
]
