"""Appeals (KPA art. 127–133): a party files one from the case page within the period as a
signed filing on the appeal form (the same signing paths, RPW number and UPP as any
submission); registering it moves the case to "appealed", the decision does not become final,
and the case file is forwarded to the appeal body (recorded with each document's SHA-256)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forms_platform.selectors import read_document
from sekap import audit

from ...deadlines import deadline_for
from ...models import APPEAL_FORM, Appeal, Case, Decision, DecisionStatus, Letter, Stage, Submission
from ...selectors.delivery import delivery_date
from ..history import case_event
from ..workflow import case_transition
from .dispatch import delivered_on
from .finality import decision_delivered


def case_file(case: Case) -> list[dict[str, str]]:
    """The documents of the case as forwarded: incoming and outgoing, with their SHA-256."""
    incoming = Submission.objects.filter(Q(case=case) | Q(reply_to=case)).order_by("received_at")
    outgoing = Letter.objects.filter(case=case).order_by("sent_at")
    return [
        {"kind": "incoming", "title": s.title, "id": str(s.public_id), "sha256": s.sha256}
        for s in incoming.only("title", "public_id", "sha256")
    ] + [
        {
            "kind": "outgoing",
            "title": letter.title,
            "id": str(letter.public_id),
            "sha256": letter.sha256,
        }
        for letter in outgoing.only("title", "public_id", "sha256")
    ]


def appeal_open(*, decision: Decision, today: dt.date, party=None) -> bool:
    """May ``party`` (an account or a company; None: the applicant) appeal today? Each party's
    period runs from the delivery to that party (also before the sweep records it); the
    decision is final only after the last party's period (``finality``)."""
    if decision.status not in (DecisionStatus.DISPATCHED, DecisionStatus.DELIVERED):
        return False
    day = delivery_date(letter=decision.letter, party=party) if party is not None else None
    if day is None and party is None:
        day = delivered_on(decision.letter)
    if day is None and decision.status == DecisionStatus.DELIVERED and party is None:
        return today <= decision.appeal_until
    until = day and deadline_for(start=day, rule=f"{decision.appeal_days}d")
    return until is not None and today <= until


SCOPE = {"calosc": "w całości", "czesc": "w części"}


def appeal_body_of(submission: Submission) -> dict[str, str]:
    """The structured body read from the signed document: what is challenged, the demands,
    the grounds (KPA art. 128)."""
    data = read_document(bytes(submission.document)).data
    scope = SCOPE.get(str(data.get("ZakresZaskarzenia", "")), "")
    part = str(data.get("ZaskarzonaCzesc") or "").strip()
    decision = str(data.get("Decyzja") or "").strip()
    challenged = f"{decision}: {scope}" if decision else scope
    return {
        "challenged": f"{challenged} — {part}" if part else challenged,
        "demands": str(data.get("Zadania") or "").strip(),
        "grounds": str(data.get("Uzasadnienie") or "").strip(),
    }


def is_appeal_filing(submission: Submission) -> bool:
    return bool(submission.reply_to_id and submission.service.form_template.slug == APPEAL_FORM)


def _late(*, case: Case, submission: Submission, now: dt.datetime) -> None:
    case_event(
        case=case,
        action="attention",
        params={"reason": "appeal_late"},
        document_ref=str(submission.public_id),
        at=now,
    )


@transaction.atomic
def appeal_register(*, submission: Submission, now: dt.datetime | None = None) -> Appeal | None:
    """A signed appeal registered in the RPW (an intake reply on the appeal form) becomes the
    case's appeal: the decision does not become final, the case moves to "appealed" and the
    appeal is forwarded with the file. Filed after the period (by its receipt date) or with no
    decision to appeal against, it is left to the clerk with a note in the metryka. Idempotent.
    """
    now = now or timezone.now()
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("reply_to", "service__form_template", "register_entry")
        .get(pk=submission.pk)
    )
    existing = Appeal.objects.filter(submission=submission).first()
    if existing is not None or not is_appeal_filing(submission):
        return existing
    case = submission.reply_to
    decision = Decision.objects.filter(case=case).first()
    filed_on = timezone.localdate(submission.received_at)
    if decision is None:
        _late(case=case, submission=submission, now=now)
        return None
    decision_delivered(decision=decision, now=now)  # an opening not swept yet
    decision = (
        Decision.objects.select_for_update(of=("self",)).select_related("case").get(pk=decision.pk)
    )
    party = submission.company if submission.company_id else submission.submitter
    if not appeal_open(decision=decision, today=filed_on, party=party):
        _late(case=case, submission=submission, now=now)
        return None
    body = appeal_body_of(submission)
    appeal = Appeal.objects.create(
        decision=decision,
        submission=submission,
        filed_by=submission.submitter,
        filed_at=submission.received_at,
        **body,
        sha256=submission.sha256,
        appeal_body=decision.appeal_body,
        forwarded_at=now,
        file_manifest=case_file(decision.case),
    )
    decision.status = DecisionStatus.APPEALED
    decision.final_due_at = None
    decision.save(update_fields=["status", "final_due_at"])
    case_transition(case=decision.case, transition="appeal", actor=submission.submitter, now=now)
    rpw = submission.register_entry.rpw if hasattr(submission, "register_entry") else ""
    params = {"title": decision.title, "body": decision.appeal_body, "rpw": rpw}
    case_event(
        case=decision.case,
        action="appeal_filed",
        params=params,
        actor=submission.submitter,
        document_ref=str(submission.public_id),
        at=now,
    )
    case_event(
        case=decision.case,
        action="appeal_forwarded",
        params={**params, "documents": len(appeal.file_manifest)},
        document_ref=str(appeal.public_id),
        at=now,
    )
    audit.record(
        actor=submission.submitter,
        action="documents.appeal_filed",
        target=appeal,
        after={
            "decision": str(decision.public_id),
            "submission": str(submission.public_id),
            "rpw": rpw,
            "body": decision.appeal_body,
            "documents": len(appeal.file_manifest),
            "sha256": appeal.sha256,
        },
    )
    return appeal


def appeals_sweep(*, now: dt.datetime | None = None) -> int:
    """Register appeal filings whose on-commit step was lost (beat); how many it registered."""
    waiting = Submission.objects.filter(
        reply_to__isnull=False,
        service__form_template__slug=APPEAL_FORM,
        appeal__isnull=True,
        stage__gte=Stage.CASE_OPENED,
    ).values_list("pk", flat=True)[:500]
    done = 0
    for pk in waiting:
        if appeal_register(submission=Submission(pk=pk), now=now) is not None:
            done += 1
    return done
