"""Appeals (KPA art. 127–133): a party files one from the case page within the period; the
case moves to "appealed", the decision does not become final, and the case file is forwarded
to the appeal body (recorded with each document's SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sekap import audit
from sekap.errors import NotAllowed

from ...deadlines import deadline_for
from ...errors import DecisionRefused
from ...models import Appeal, Case, Decision, DecisionStatus, Letter, Submission
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


def appeal_open(*, decision: Decision, today: dt.date) -> bool:
    """May a party appeal today (also when the opening is not swept yet)?"""
    until = decision.appeal_until
    if decision.status == DecisionStatus.DISPATCHED:
        day = delivered_on(decision.letter)
        until = day and deadline_for(start=day, rule=f"{decision.appeal_days}d")
    elif decision.status != DecisionStatus.DELIVERED:
        return False
    return until is not None and today <= until


@transaction.atomic
def appeal_file(*, case: Case, user, text: str, now: dt.datetime | None = None) -> Appeal:
    """File a party's appeal against the case's decision and forward it with the file."""
    from ...selectors import cases_for

    now = now or timezone.now()
    if not cases_for(user).filter(pk=case.pk).exists():
        raise NotAllowed()
    decision = Decision.objects.filter(case=case).first()
    if decision is None:
        raise DecisionRefused(_("There is no decision in this case to appeal against."))
    decision_delivered(decision=decision, now=now)  # an opening not swept yet
    decision = (
        Decision.objects.select_for_update(of=("self",)).select_related("case").get(pk=decision.pk)
    )
    if not appeal_open(decision=decision, today=timezone.localdate(now)):
        raise DecisionRefused(_("The period for an appeal against this decision has passed."))
    if not text.strip():
        raise DecisionRefused(_("Write why you appeal against the decision."))
    body = text.strip()
    appeal = Appeal.objects.create(
        decision=decision,
        filed_by=user,
        filed_at=now,
        text=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        appeal_body=decision.appeal_body,
        forwarded_at=now,
        file_manifest=case_file(decision.case),
    )
    decision.status = DecisionStatus.APPEALED
    decision.final_due_at = None
    decision.save(update_fields=["status", "final_due_at"])
    case_transition(case=decision.case, transition="appeal", actor=user, now=now)
    params = {"title": decision.title, "body": decision.appeal_body}
    case_event(
        case=decision.case,
        action="appeal_filed",
        params=params,
        actor=user,
        document_ref=str(appeal.public_id),
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
        actor=user,
        action="documents.appeal_filed",
        target=appeal,
        after={
            "decision": str(decision.public_id),
            "body": decision.appeal_body,
            "documents": len(appeal.file_manifest),
            "sha256": appeal.sha256,
        },
    )
    return appeal
