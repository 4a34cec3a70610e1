"""After dispatch: each party's delivery date starts its appeal period (KPA art. 129 § 2, counted by
art. 57 in ``documents.deadlines``); when it has passed without an appeal the decision is final
(art. 16 § 1). Both are due-date columns swept by beat (``decisions_sweep``), each step
idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from sekap import audit
from sekap.errors import DomainError

from ... import dispatch
from ...deadlines import deadline_for
from ...models import APPEAL_FORM, CaseResult, Decision, DecisionStatus, Submission
from ...selectors.delivery import delivery_dates
from ..archive import closure_record
from ..history import case_event
from ..workflow import case_transition
from .dispatch import delivered_on

logger = logging.getLogger(__name__)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def last_delivered_on(decision: Decision) -> dt.date | None:
    """The day the last party received the decision (each party's appeal period runs from its
    own delivery, so the decision is final after the last one's); None while any is out."""
    days = [d.delivered_on for d in delivery_dates(letter=decision.letter)]
    if not days:
        return delivered_on(decision.letter)
    return None if any(day is None for day in days) else max(days)


@transaction.atomic
def decision_delivered(*, decision: Decision, now: dt.datetime | None = None) -> bool:
    """Record the delivery once it happened; True when this call recorded it."""
    now = now or timezone.now()
    decision = (
        Decision.objects.select_for_update(of=("self",)).select_related("case").get(pk=decision.pk)
    )
    if decision.status != DecisionStatus.DISPATCHED:
        return False
    day = last_delivered_on(decision)
    if day is None:
        return False
    decision.delivered_on = day
    decision.appeal_until = deadline_for(start=day, rule=f"{decision.appeal_days}d")
    decision.final_due_at = _start_of(decision.appeal_until + dt.timedelta(days=1))
    decision.status = DecisionStatus.DELIVERED
    decision.save(update_fields=["delivered_on", "appeal_until", "final_due_at", "status"])
    case_transition(case=decision.case, transition="deliver", actor=None, now=now)
    case_event(
        case=decision.case,
        action="decision_delivered",
        params={"title": decision.title, "until": decision.appeal_until.isoformat()},
        document_ref=str(decision.public_id),
        at=now,
    )
    audit.record(
        action="documents.decision_delivered",
        target=decision,
        after={
            "delivered_on": day.isoformat(),
            "appeal_until": decision.appeal_until.isoformat(),
        },
    )
    return True


def _appeal_waiting(decision: Decision) -> bool:
    """A signed appeal registered in the RPW whose appeal step has not run yet."""
    return Submission.objects.filter(
        reply_to_id=decision.case_id,
        service__form_template__slug=APPEAL_FORM,
        appeal__isnull=True,
        received_at__lt=decision.final_due_at,
    ).exists()


@transaction.atomic
def decision_final(*, decision: Decision, now: dt.datetime | None = None) -> bool:
    """Make the decision final when its appeal period has passed with no appeal."""
    now = now or timezone.now()
    decision = (
        Decision.objects.select_for_update(of=("self",)).select_related("case").get(pk=decision.pk)
    )
    if (
        decision.status != DecisionStatus.DELIVERED
        or decision.final_due_at is None
        or decision.final_due_at > now
        or decision.appeals.exists()
        or _appeal_waiting(decision)
    ):
        return False
    decision.status = DecisionStatus.FINAL
    decision.final_at = now
    decision.final_due_at = None
    decision.save(update_fields=["status", "final_at", "final_due_at"])
    case = case_transition(case=decision.case, transition="become_final", actor=None, now=now)
    closure_record(case=case, result=CaseResult.DECIDED)
    case_event(
        case=decision.case,
        action="decision_final",
        params={"title": decision.title},
        document_ref=str(decision.public_id),
        at=now,
    )
    audit.record(action="documents.decision_final", target=decision, after={"final": True})
    return True


def _step(service, pk: int, now: dt.datetime) -> bool:
    """One decision's step; a refusal (e.g. a case whose JRWA class lacks its category) is
    logged and the others go on."""
    try:
        return service(decision=Decision(pk=pk), now=now)
    except DomainError:
        logger.exception("decision %s: %s refused", pk, service.__name__)
        return False


def decisions_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat task's body: deliveries to record, decisions to make final, PDFs to render."""
    now = now or timezone.now()
    done = {"delivered": 0, "final": 0, "pdf": 0}
    for pk in Decision.objects.filter(status=DecisionStatus.DISPATCHED).values_list(
        "pk", flat=True
    ):
        done["delivered"] += _step(decision_delivered, pk, now)
    for pk in Decision.objects.filter(
        status=DecisionStatus.DELIVERED, final_due_at__lte=now
    ).values_list("pk", flat=True):
        done["final"] += _step(decision_final, pk, now)
    for pk in Decision.objects.filter(pdf_due_at__lte=now, pdf_sha256="").values_list(
        "pk", flat=True
    ):
        done["pdf"] += dispatch.dispatch_decision_pdf(pk)
    return done
