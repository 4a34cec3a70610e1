"""The case's legal clock (KPA art. 35–37, 64 § 2): excluded periods, calls to supplement,
notices of delay and complaints about delay; the case's ``deadline`` column derived from them.

The date arithmetic is ``documents.deadlines`` (art. 57); this module keeps the records, stores
the derived date in ``Case.deadline`` (the due-date column the beat sweeps and work lists read)
and writes the case history and the audit trail. Every write locks the case row first.

* the office's period runs from ``Case.started_on``, or restarts from the day the party
  supplemented after a call (art. 64 § 2: the filing counts from the fix);
* excluded periods (art. 35 § 5: suspension, time for the party, expert opinion, the call to
  supplement itself) push it day for day; while one is open the clock stands still (None);
* a notice of delay (art. 36) sets a later date that the office must then keep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sekap import audit
from sekap.datetimes import polish_date
from sekap.errors import NotAllowed

from ..deadlines import (
    COMPLAINT_FORWARD_RULE,
    SUPPLEMENT_MIN_DAYS,
    Excluded,
    deadline_for,
    supplement_due,
)
from ..errors import CaseActionRefused
from ..models import (
    CLOSED_STATES,
    Case,
    CaseParty,
    CaseSuspension,
    ComplaintKind,
    DelayComplaint,
    DelayNotice,
    DelayPrompt,
    LetterKind,
    SupplementCall,
    SupplementOutcome,
    SuspensionBasis,
)
from ..selectors import cases_for, cases_visible_to
from ..selectors.delivery import delivery_date
from .cases import letter_issue, letter_prepare
from .history import case_event

# --- the derived deadline -------------------------------------------------------------------


def clock_start(case: Case) -> dt.date:
    """The day the office's period runs from: the start of the proceedings, or the latest
    supplement after a call (art. 64 § 2)."""
    restarted = (
        case.supplement_calls.filter(outcome=SupplementOutcome.SUPPLEMENTED)
        .order_by("-ended_on")
        .values_list("ended_on", flat=True)
        .first()
    )
    return max(case.started_on, restarted) if restarted else case.started_on


def case_excluded(case: Case) -> list[Excluded]:
    return [
        Excluded(first, last)
        for first, last in case.suspensions.values_list("started_on", "ended_on")
    ]


def legal_deadline(case: Case) -> dt.date | None:
    """The art. 35 deadline from the records, before any notice of delay; None when the rule
    has no date or the clock stands still."""
    return deadline_for(
        start=clock_start(case), rule=case.deadline_rule, excluded=case_excluded(case)
    )


def case_deadline_recompute(*, case: Case) -> dt.date | None:
    """Derive and store ``case.deadline`` (the caller holds the case's row lock)."""
    deadline = legal_deadline(case)
    if deadline is not None:
        notified = (
            case.delay_notices.order_by("-new_deadline")
            .values_list("new_deadline", flat=True)
            .first()
        )
        if notified and notified > deadline:
            deadline = notified
    if deadline != case.deadline:
        case.deadline = deadline
        case.save(update_fields=["deadline", "updated_at"])
    return deadline


def _clerk_case(*, case: Case, clerk, lock: bool = True) -> Case:
    """The case, locked (``lock``: in a transaction), if the clerk may act on it and it is open."""
    found = Case.objects.select_for_update() if lock else Case.objects
    locked = found.get(pk=case.pk)
    if not cases_visible_to(staff=clerk).filter(pk=case.pk).exists():
        raise NotAllowed()
    if locked.is_closed:
        raise CaseActionRefused(_("The case is closed."))
    return locked


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- excluded periods (art. 35 § 5, art. 97-98) ---------------------------------------------


@transaction.atomic
def suspension_start(
    *, case: Case, clerk, basis: str, started_on: dt.date, reason: str = ""
) -> CaseSuspension:
    """Stop the clock from ``started_on`` on ``basis`` (a call to supplement stops it through
    ``supplement_call_send``)."""
    case = _clerk_case(case=case, clerk=clerk)
    if basis not in SuspensionBasis.values or basis == SuspensionBasis.SUPPLEMENT:
        raise CaseActionRefused(_("Choose the legal basis of the excluded period."))
    if case.suspensions.filter(basis=basis, ended_on__isnull=True).exists():
        raise CaseActionRefused(_("An excluded period on this basis is already running."))
    if started_on < case.started_on:
        raise CaseActionRefused(_("The period cannot begin before the proceedings."))
    before = _iso(case.deadline)
    suspension = CaseSuspension.objects.create(
        case=case,
        basis=basis,
        started_on=started_on,
        reason=reason.strip()[:300],
        created_by=clerk,
        created_at=timezone.now(),
    )
    case_deadline_recompute(case=case)
    case_event(
        case=case,
        action="clock_stopped",
        params={"basis": basis, "from": started_on.isoformat()},
        actor=clerk,
    )
    audit.record(
        actor=clerk,
        action="documents.clock_stopped",
        target=case,
        before={"deadline": before},
        after={"basis": basis, "from": started_on.isoformat(), "deadline": _iso(case.deadline)},
    )
    return suspension


@transaction.atomic
def suspension_end(*, suspension: CaseSuspension, clerk, ended_on: dt.date) -> CaseSuspension:
    """Restart the clock: the excluded period ends on ``ended_on`` (that day still excluded)."""
    case = _clerk_case(case=suspension.case, clerk=clerk)
    suspension = CaseSuspension.objects.select_for_update().get(pk=suspension.pk, case=case)
    if suspension.ended_on is not None or suspension.basis == SuspensionBasis.SUPPLEMENT:
        raise CaseActionRefused(_("This period has ended or ends with the supplement."))
    if ended_on < suspension.started_on:
        raise CaseActionRefused(_("The period cannot end before it began."))
    before = _iso(case.deadline)
    suspension.ended_on = ended_on
    suspension.save(update_fields=["ended_on"])
    case_deadline_recompute(case=case)
    case_event(
        case=case,
        action="clock_restarted",
        params={"basis": suspension.basis, "until": ended_on.isoformat()},
        actor=clerk,
    )
    audit.record(
        actor=clerk,
        action="documents.clock_restarted",
        target=case,
        before={"deadline": before},
        after={
            "suspension": suspension.pk,
            "until": ended_on.isoformat(),
            "deadline": _iso(case.deadline),
        },
    )
    return suspension


# --- the call to supplement (art. 64 § 2) ---------------------------------------------------


def supplement_call_send(
    *,
    case: Case,
    clerk,
    title: str,
    body: str,
    days: int = SUPPLEMENT_MIN_DAYS,
    parties: Sequence[CaseParty] | None = None,
) -> SupplementCall:
    """Send a call to supplement giving ``days`` (at least 7) from delivery to every party or
    to the ``parties`` chosen; the clock stops until the supplement or until the application
    is left unexamined. The sealed letter is stored before the transaction."""
    if days < SUPPLEMENT_MIN_DAYS:
        raise CaseActionRefused(_("Give at least 7 days from delivery."))
    case = _clerk_case(case=case, clerk=clerk, lock=False)
    _supplement_call_check(case=case)
    with override("pl"):
        term = _(
            "Please supplement within %(days)s days from the delivery of this letter, or the "
            "application will be left unexamined (KPA art. 64 § 2)."
        ) % {"days": days}
    prepared = letter_prepare(
        case=case,
        clerk=clerk,
        kind=LetterKind.CALL_TO_SUPPLEMENT,
        title=title,
        body=f"{body.strip()}\n{term}",
        supplement_days=days,
        parties=parties,
    )
    with transaction.atomic():
        case = _clerk_case(case=case, clerk=clerk)
        _supplement_call_check(case=case)
        return _supplement_call_record(case=case, clerk=clerk, prepared=prepared, days=days)


def _supplement_call_check(*, case: Case) -> None:
    if case.supplement_calls.filter(outcome=SupplementOutcome.PENDING).exists():
        raise CaseActionRefused(_("A call to supplement is already waiting for the party."))


def _supplement_call_record(*, case: Case, clerk, prepared, days: int) -> SupplementCall:
    letter = letter_issue(prepared=prepared, clerk=clerk)
    today = timezone.localdate()
    suspension = CaseSuspension.objects.create(
        case=case,
        basis=SuspensionBasis.SUPPLEMENT,
        started_on=today,
        created_by=clerk,
        created_at=timezone.now(),
    )
    call = SupplementCall.objects.create(case=case, letter=letter, suspension=suspension, days=days)
    case_deadline_recompute(case=case)
    audit.record(
        actor=clerk,
        action="documents.supplement_called",
        target=case,
        after={"letter": str(letter.public_id), "days": days, "deadline": None},
    )
    return call


def delivered_on(call: SupplementCall) -> dt.date | None:
    """The day the call was delivered to the applicant (the legal delivery date: opened in the
    inbox, collected from e-Doręczenia, paper receipt, or deemed); None until then."""
    return delivery_date(letter=call.letter)


@transaction.atomic
def supplement_due_update(*, call: SupplementCall) -> dt.date | None:
    """Once the call's delivery is known, fix its due date (``days`` from delivery, art. 57)."""
    call = (
        SupplementCall.objects.select_for_update(of=("self",))
        .select_related("letter")
        .get(pk=call.pk)
    )
    if call.due_on is not None or call.outcome != SupplementOutcome.PENDING:
        return call.due_on
    day = delivered_on(call)
    if day is None:
        return None
    call.delivered_on = day
    call.due_on = supplement_due(delivered_on=day, days=call.days)
    call.save(update_fields=["delivered_on", "due_on"])
    call.letter.supplement_due = call.due_on  # what the reminder and the portal show
    call.letter.save(update_fields=["supplement_due"])
    return call.due_on


def supplement_received(
    *, case: Case, on: dt.date, document_ref: str = ""
) -> SupplementCall | None:
    """The party's supplement arrived (the intake's reply path; the caller holds the case's
    row lock). A late fix still counts while the application has not been left unexamined
    (NSA I OSK 27/20). The office's period restarts from ``on``."""
    call = (
        case.supplement_calls.select_for_update()
        .filter(outcome=SupplementOutcome.PENDING)
        .select_related("suspension")
        .first()
    )
    if call is None:
        return None
    call.outcome = SupplementOutcome.SUPPLEMENTED
    call.ended_on = on
    call.save(update_fields=["outcome", "ended_on"])
    call.suspension.ended_on = max(on, call.suspension.started_on)
    call.suspension.save(update_fields=["ended_on"])
    case_deadline_recompute(case=case)
    case_event(
        case=case,
        action="supplemented",
        params={"deadline": _iso(case.deadline)},
        document_ref=document_ref,
    )
    audit.record(
        action="documents.supplement_received",
        target=case,
        after={"call": call.pk, "on": on.isoformat(), "deadline": _iso(case.deadline)},
    )
    return call


def supplement_left_unexamined(*, call: SupplementCall, clerk, body: str) -> SupplementCall:
    """After the term passed without a supplement, leave the application unexamined: a letter
    to the party and the case closes with that result. The sealed letter is stored before the
    transaction, which checks the call again."""
    _clerk_case(case=call.case, clerk=clerk, lock=False)
    _left_unexamined_check(SupplementCall.objects.get(pk=call.pk))
    with override("pl"):
        title = _("Notice: the application is left unexamined")
    prepared = letter_prepare(
        case=call.case, clerk=clerk, kind=LetterKind.LEFT_UNEXAMINED, title=title, body=body
    )
    with transaction.atomic():
        case = _clerk_case(case=call.case, clerk=clerk)
        call = (
            SupplementCall.objects.select_for_update(of=("self",))
            .select_related("suspension")
            .get(pk=call.pk)
        )
        today = _left_unexamined_check(call)
        letter_issue(prepared=prepared, clerk=clerk)
        return _left_unexamined_record(call=call, case=case, clerk=clerk, today=today)


def _left_unexamined_check(call: SupplementCall) -> dt.date:
    today = timezone.localdate()
    if call.outcome != SupplementOutcome.PENDING:
        raise CaseActionRefused(_("This call has already ended."))
    if call.due_on is None or today <= call.due_on:
        raise CaseActionRefused(
            _("The application can be left unexamined only after the term to supplement.")
        )
    return today


def _left_unexamined_record(*, call: SupplementCall, case: Case, clerk, today) -> SupplementCall:
    from .archive import case_close

    call.outcome = SupplementOutcome.LEFT_UNEXAMINED
    call.ended_on = today
    call.save(update_fields=["outcome", "ended_on"])
    call.suspension.ended_on = today
    call.suspension.save(update_fields=["ended_on"])
    case_close(case=case, actor=clerk, result="left_unexamined")
    return call


# --- notices of delay (art. 36) ---------------------------------------------------------------


def delay_prompt_days() -> int:
    """How many days before the deadline the handler is prompted (a setting, not a law)."""
    return int(getattr(settings, "DOCUMENTS_DELAY_PROMPT_DAYS", 7))


def delay_notice_send(*, case: Case, clerk, new_deadline: dt.date, reasons: str) -> DelayNotice:
    """Tell the party the case will not be dealt with in time: the reasons, the new date and
    the right to a complaint about delay (art. 36 § 1, art. 37). The sealed letter is stored
    before the transaction."""
    case = _clerk_case(case=case, clerk=clerk, lock=False)
    if not reasons.strip():
        raise CaseActionRefused(_("Give the reasons for the delay."))
    _delay_check(case=case, new_deadline=new_deadline)
    values = {"date": polish_date(new_deadline), "reasons": reasons.strip()}
    with override("pl"):
        title = _("Notice of delay in dealing with the case")
        body = (
            _(
                "The case will not be dealt with within the deadline. Reasons: %(reasons)s\n"
                "The new date for dealing with the case: %(date)s.\n"
                "You may file a complaint about delay (ponaglenie, KPA art. 37) from the case page."
            )
            % values
        )
    prepared = letter_prepare(
        case=case, clerk=clerk, kind=LetterKind.DELAY_NOTICE, title=title, body=body
    )
    with transaction.atomic():
        case = _clerk_case(case=case, clerk=clerk)
        _delay_check(case=case, new_deadline=new_deadline)
        letter = letter_issue(prepared=prepared, clerk=clerk)
        return _delay_notice_record(
            case=case, clerk=clerk, letter=letter, new_deadline=new_deadline, reasons=reasons
        )


def _delay_check(*, case: Case, new_deadline: dt.date) -> None:
    today = timezone.localdate()
    if new_deadline <= today or (case.deadline and new_deadline <= case.deadline):
        raise CaseActionRefused(_("The new date must be later than today and the deadline."))


def _delay_notice_record(
    *, case: Case, clerk, letter, new_deadline: dt.date, reasons: str
) -> DelayNotice:
    notice = DelayNotice.objects.create(
        case=case,
        letter=letter,
        previous_deadline=case.deadline,
        new_deadline=new_deadline,
        reasons=reasons.strip(),
        created_at=timezone.now(),
    )
    case_deadline_recompute(case=case)
    audit.record(
        actor=clerk,
        action="documents.delay_notice_sent",
        target=case,
        before={"deadline": _iso(notice.previous_deadline)},
        after={"deadline": _iso(case.deadline), "letter": str(letter.public_id)},
    )
    return notice


# --- complaints about delay (art. 37) -------------------------------------------------------


@transaction.atomic
def complaint_file(*, case: Case, party, kind: str, reasons: str) -> DelayComplaint:
    """A party files a complaint about delay through this office; it must be forwarded to
    the higher body within 7 days (art. 37 § 4)."""
    if not cases_for(party).filter(pk=case.pk).exists():
        raise NotAllowed()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise CaseActionRefused(_("The case is closed."))
    if kind not in ComplaintKind.values or not reasons.strip():
        raise CaseActionRefused(_("Say what the complaint is about and give its reasons."))
    now = timezone.now()
    complaint = DelayComplaint.objects.create(
        case=case,
        filed_by=party,
        filed_at=now,
        kind=kind,
        reasons=reasons.strip(),
        forward_due=deadline_for(start=timezone.localdate(now), rule=COMPLAINT_FORWARD_RULE),
    )
    case_event(
        case=case,
        action="complaint_filed",
        params={"due": complaint.forward_due.isoformat()},
        actor=party,
        document_ref=str(complaint.public_id),
    )
    audit.record(
        actor=party,
        action="documents.delay_complaint_filed",
        target=case,
        after={"complaint": str(complaint.public_id), "kind": kind},
    )
    return complaint


@transaction.atomic
def complaint_forward(
    *, complaint: DelayComplaint, clerk, higher_body: str, position: str
) -> DelayComplaint:
    """Record that the complaint went to the higher body with the office's position."""
    case = Case.objects.select_for_update().get(pk=complaint.case_id)
    if not cases_visible_to(staff=clerk).filter(pk=case.pk).exists():
        raise NotAllowed()
    complaint = DelayComplaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.forwarded_at is not None:
        raise CaseActionRefused(_("This complaint has already been forwarded."))
    if not higher_body.strip() or not position.strip():
        raise CaseActionRefused(_("Name the higher body and give the office's position."))
    complaint.higher_body = higher_body.strip()[:300]
    complaint.position = position.strip()
    complaint.forwarded_at = timezone.now()
    complaint.forwarded_by = clerk
    complaint.save(update_fields=["higher_body", "position", "forwarded_at", "forwarded_by"])
    case_event(
        case=case,
        action="complaint_forwarded",
        params={"body": complaint.higher_body},
        actor=clerk,
        document_ref=str(complaint.public_id),
    )
    audit.record(
        actor=clerk,
        action="documents.delay_complaint_forwarded",
        target=case,
        after={"complaint": str(complaint.public_id), "higher_body": complaint.higher_body},
    )
    return complaint


# --- the beat sweep: due-date columns, idempotent -------------------------------------------


def delay_prompts_sweep(*, today: dt.date) -> int:
    """Flag each open case whose deadline is within ``delay_prompt_days``, once per deadline."""
    horizon = today + dt.timedelta(days=delay_prompt_days())
    due = (
        Case.objects.exclude(status__in=CLOSED_STATES)
        .filter(deadline__gte=today, deadline__lte=horizon)
        .exclude(
            Exists(DelayPrompt.objects.filter(case=OuterRef("pk"), deadline=OuterRef("deadline")))
        )
        .only("pk", "deadline")
    )
    made = 0
    for case in due:
        with transaction.atomic():
            _prompt, created = DelayPrompt.objects.get_or_create(
                case=case, deadline=case.deadline, defaults={"prompted_at": timezone.now()}
            )
            if created:
                case_event(
                    case=case,
                    action="delay_prompt",
                    params={"deadline": case.deadline.isoformat()},
                )
                made += 1
    return made


def supplement_sweep(*, today: dt.date) -> int:
    """Fix due dates of delivered calls; flag calls whose term has passed (once)."""
    changed = 0
    for call in SupplementCall.objects.filter(
        outcome=SupplementOutcome.PENDING,
        due_on__isnull=True,
        letter__deliveries__delivered_on__isnull=False,
    ).distinct():
        changed += supplement_due_update(call=call) is not None
    lapsed = SupplementCall.objects.filter(
        outcome=SupplementOutcome.PENDING, due_on__lt=today, lapsed_at__isnull=True
    ).select_related("case")
    for call in lapsed:
        with transaction.atomic():
            if not SupplementCall.objects.filter(pk=call.pk, lapsed_at__isnull=True).update(
                lapsed_at=timezone.now()
            ):
                continue
            case_event(
                case=call.case, action="supplement_lapsed", params={"due": call.due_on.isoformat()}
            )
            changed += 1
    return changed


def complaints_sweep(*, today: dt.date) -> int:
    """Flag complaints not forwarded by their 7-day term (once)."""
    flagged = 0
    for complaint in DelayComplaint.objects.filter(
        forwarded_at__isnull=True, forward_due__lt=today, overdue_at__isnull=True
    ):
        with transaction.atomic():
            if DelayComplaint.objects.filter(pk=complaint.pk, overdue_at__isnull=True).update(
                overdue_at=timezone.now()
            ):
                audit.record(
                    action="documents.delay_complaint_overdue",
                    target=complaint.case,
                    after={"complaint": str(complaint.public_id)},
                )
                flagged += 1
    return flagged


def deadlines_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """All deadline timers; safe to run any time and any number of times."""
    today = today or timezone.localdate()
    return {
        "delay_prompts": delay_prompts_sweep(today=today),
        "supplements": supplement_sweep(today=today),
        "complaints_overdue": complaints_sweep(today=today),
    }
