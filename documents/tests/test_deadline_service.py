"""The case's legal clock: excluded periods, the call to supplement (restart or left
unexamined), delay prompts and notices (art. 36), complaints about delay (art. 37), the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from documents.deadlines import deadline_for
from documents.errors import CaseActionRefused
from documents.models import (
    Case,
    CaseClosure,
    CaseEvent,
    CaseStatus,
    DelayComplaint,
    DelayPrompt,
    Delivery,
    InboxMessage,
    Letter,
    Stage,
    Submission,
    SupplementCall,
)
from documents.services import cases as case_services
from documents.services import deadlines as clock
from documents.services import intake
from documents.tasks import deadlines_sweep
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from offices.models import DayOff
from offices.selectors import is_working_day
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("store_outside_transactions")]
D = dt.date


@pytest.fixture
def world(db, pki_dir):
    a = make_service(symbol="OR")
    b = make_service(symbol="OR")
    applicant = UserFactory()
    case = make_case(a, applicant, 1)
    return a, b, case, applicant


def _reply(case: Case, applicant, n: int) -> Submission:
    """A letter from the applicant in the case, through the intake's reply path."""
    now = timezone.now()
    submission = Submission.objects.create(
        submitter=applicant,
        office=case.office,
        service=case.service,
        form_version=case.submissions.order_by("pk").first().form_version,
        title="Uzupełnienie",
        channel="api",
        idempotency_key=f"reply-{case.pk}-{n}",
        document=b"<x/>",
        sha256=f"{n + 900:064d}",
        size=4,
        received_at=now,
        intake_due_at=now,
        stage=Stage.SIGNATURE_CHECKED,
        signature_indication="TOTAL_PASSED",
        reply_to=case,
    )
    intake.intake_process(submission_id=submission.pk)
    return submission


def _deliver(call: SupplementCall, *, days_ago: int | None) -> None:
    """The applicant's delivery of the call (the delivery record, as the delivery service
    writes it) ``days_ago`` days ago; None: not delivered."""
    Delivery.objects.filter(letter_id=call.letter_id).update(
        delivered_on=None if days_ago is None else timezone.localdate() - dt.timedelta(days_ago)
    )


def test_an_office_day_off_does_not_move_the_case_deadline(world):
    a, _b, case, _applicant = world
    Case.objects.filter(pk=case.pk).update(started_on=D(2026, 3, 2), deadline_rule="7d")
    case.refresh_from_db()
    DayOff.objects.create(office=a.office, date=D(2026, 3, 9), reason="Dzień urzędu")
    assert not is_working_day(office=a.office, day=D(2026, 3, 9))  # the office is closed...
    assert clock.case_deadline_recompute(case=case) == D(2026, 3, 9)  # ...the law is not moved
    case.refresh_from_db()
    assert case.deadline == D(2026, 3, 9)


def test_an_excluded_period_stops_the_clock_and_its_end_derives_the_deadline(world):
    a, b, case, _applicant = world
    Case.objects.filter(pk=case.pk).update(started_on=D(2026, 3, 2), deadline_rule="1m")
    clerk = clerk_of(a)
    suspension = clock.suspension_start(
        case=case, clerk=clerk, basis="art_35_5_expert", started_on=D(2026, 3, 10), reason="opinia"
    )
    case.refresh_from_db()
    assert case.deadline is None  # the clock stands still while the period is open
    clock.suspension_end(suspension=suspension, clerk=clerk, ended_on=D(2026, 3, 19))
    case.refresh_from_db()
    assert case.deadline == D(2026, 4, 13)  # 2 Apr + 10 days = Sun 12 Apr -> Mon 13 Apr
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-2:] == ["clock_stopped", "clock_restarted"]
    stopped = case.events.get(action="clock_stopped")
    assert "10.03.2026" in stopped.description and "biegły" not in stopped.action
    assert AuditEntry.objects.filter(action="documents.clock_restarted").count() == 1
    # another office's clerk can do nothing, and nothing changes
    other = clerk_of(b)
    with pytest.raises(NotAllowed):
        clock.suspension_start(case=case, clerk=other, basis="art_97_98", started_on=D(2026, 4, 1))
    assert case.suspensions.count() == 1
    # the supplement basis is only for calls; an open period on the same basis is refused
    with pytest.raises(CaseActionRefused):
        clock.suspension_start(case=case, clerk=clerk, basis="art_64_2", started_on=D(2026, 4, 1))


def test_supplement_restarts_the_office_period_from_the_supplement(world):
    a, _b, case, applicant = world
    clerk = clerk_of(a)
    started = timezone.localdate() - dt.timedelta(days=10)
    Case.objects.filter(pk=case.pk).update(started_on=started)
    before = deadline_for(start=started, rule="1m")
    call = clock.supplement_call_send(case=case, clerk=clerk, title="Wezwanie", body="Brak zał.")
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING and case.deadline is None  # the clock stopped
    assert call.due_on is None  # pending until delivery is known
    assert b"<p:DniNaUzupelnienieOdDoreczenia>7<" in bytes(call.letter.xml)
    assert "7 dni od dnia doręczenia" in call.letter.body
    assert clock.supplement_sweep(today=timezone.localdate()) == 0  # not delivered: nothing
    _deliver(call, days_ago=2)
    clock.supplement_sweep(today=timezone.localdate())
    call.refresh_from_db()
    delivered = timezone.localdate() - dt.timedelta(days=2)
    assert call.delivered_on == delivered
    assert call.due_on == clock.supplement_due(delivered_on=delivered, days=7)
    assert Letter.objects.get(pk=call.letter_id).supplement_due == call.due_on
    reply = _reply(case, applicant, 1)
    call.refresh_from_db()
    case.refresh_from_db()
    assert call.outcome == "supplemented" and call.ended_on == timezone.localdate()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.deadline == deadline_for(start=timezone.localdate(), rule="1m")
    assert case.deadline > before  # restarted, not merely paused for a few days
    event = case.events.get(action="supplemented")
    assert event.document_ref == str(reply.public_id)
    # a second reply changes nothing
    _reply(case, applicant, 2)
    assert case.events.filter(action="supplemented").count() == 1


def test_supplement_not_given_ends_in_left_unexamined_only_after_the_term(world):
    a, b, case, _applicant = world
    clerk = clerk_of(a)
    call = clock.supplement_call_send(
        case=case, clerk=clerk, title="Wezwanie", body="Podpis.", days=7
    )
    with pytest.raises(CaseActionRefused):  # delivery unknown: no term yet
        clock.supplement_left_unexamined(call=call, clerk=clerk, body="Brak uzupełnienia.")
    _deliver(call, days_ago=1)
    clock.supplement_sweep(today=timezone.localdate())
    with pytest.raises(CaseActionRefused):  # the term is still running
        clock.supplement_left_unexamined(call=call, clerk=clerk, body="Brak uzupełnienia.")
    _deliver(call, days_ago=None)
    SupplementCall.objects.filter(pk=call.pk).update(due_on=None, delivered_on=None)
    _deliver(call, days_ago=20)
    assert clock.supplement_sweep(today=timezone.localdate()) == 2  # due date fixed, lapsed
    assert clock.supplement_sweep(today=timezone.localdate()) == 0  # flagged once
    call.refresh_from_db()
    assert call.lapsed_at is not None
    with pytest.raises(NotAllowed):
        clock.supplement_left_unexamined(call=call, clerk=clerk_of(b), body="x")
    clock.supplement_left_unexamined(call=call, clerk=clerk, body="Brak uzupełnienia w terminie.")
    call.refresh_from_db()
    case.refresh_from_db()
    assert call.outcome == "left_unexamined"
    assert case.status == CaseStatus.UNEXAMINED and case.closure.result == "left_unexamined"
    letter = case.letters.get(kind="unexamined")
    assert InboxMessage.objects.filter(letter=letter, recipient=case.applicant).exists()
    assert list(case.events.values_list("action", flat=True))[-5:] == [
        "supplement_lapsed",
        "sent_unexamined",
        "delivery_available",  # the notice's delivery through the platform (issue 11)
        "status",
        "closed",
    ]


def test_the_sweep_prompts_the_handler_before_the_deadline_once(world):
    a, _b, case, _applicant = world
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(deadline=today + dt.timedelta(days=3))
    far = make_case(a, case.applicant, 2)
    Case.objects.filter(pk=far.pk).update(deadline=today + dt.timedelta(days=30))
    closed = make_case(a, case.applicant, 3)
    Case.objects.filter(pk=closed.pk).update(
        deadline=today + dt.timedelta(days=1), status=CaseStatus.CLOSED
    )
    assert clock.delay_prompts_sweep(today=today) == 1
    assert clock.delay_prompts_sweep(today=today) == 0  # idempotent
    assert list(DelayPrompt.objects.values_list("case_id", flat=True)) == [case.pk]
    assert case.events.filter(action="delay_prompt").count() == 1


def test_a_delay_notice_is_a_letter_with_the_new_date_and_moves_the_deadline(world):
    a, b, case, _applicant = world
    clerk = clerk_of(a)
    old = case.deadline
    with pytest.raises(CaseActionRefused):
        clock.delay_notice_send(case=case, clerk=clerk, new_deadline=old, reasons="Opinia.")
    with pytest.raises(NotAllowed):
        clock.delay_notice_send(
            case=case, clerk=clerk_of(b), new_deadline=old + dt.timedelta(days=30), reasons="x"
        )
    new = old + dt.timedelta(days=30)
    notice = clock.delay_notice_send(
        case=case, clerk=clerk, new_deadline=new, reasons="Oczekiwanie na opinię biegłego."
    )
    case.refresh_from_db()
    assert case.deadline == new and notice.previous_deadline == old
    letter = notice.letter
    assert letter.kind == "delay_notice"
    assert "Oczekiwanie na opinię biegłego." in letter.body
    assert new.strftime("%d.%m.%Y") in letter.body and "ponaglenia (art. 37 KPA)" in letter.body
    assert InboxMessage.objects.filter(letter=letter).count() == 1
    # the prompt fires again for the new deadline when it nears
    DelayPrompt.objects.create(case=case, deadline=old, prompted_at=timezone.now())
    assert clock.delay_prompts_sweep(today=new - dt.timedelta(days=2)) == 1


def test_a_complaint_about_delay_must_be_forwarded_within_seven_days(world):
    a, b, case, applicant = world
    today = timezone.localdate()
    with pytest.raises(NotAllowed):  # another citizen
        clock.complaint_file(case=case, party=UserFactory(), kind="inaction", reasons="Zwłoka.")
    with pytest.raises(CaseActionRefused):
        clock.complaint_file(case=case, party=applicant, kind="inaction", reasons="  ")
    complaint = clock.complaint_file(
        case=case, party=applicant, kind="inaction", reasons="Minął termin."
    )
    assert complaint.forward_due == deadline_for(start=today, rule="7d")
    assert case.events.get(action="complaint_filed").actor == applicant
    assert clock.complaints_sweep(today=today) == 0
    # the term passes without forwarding: flagged once
    assert clock.complaints_sweep(today=complaint.forward_due + dt.timedelta(days=1)) == 1
    assert clock.complaints_sweep(today=complaint.forward_due + dt.timedelta(days=2)) == 0
    with pytest.raises(NotAllowed):
        clock.complaint_forward(
            complaint=complaint, clerk=clerk_of(b), higher_body="SKO", position="x"
        )
    clerk = clerk_of(a)
    with pytest.raises(CaseActionRefused):
        clock.complaint_forward(complaint=complaint, clerk=clerk, higher_body="", position="x")
    clock.complaint_forward(
        complaint=complaint,
        clerk=clerk,
        higher_body="Samorządowe Kolegium Odwoławcze w Katowicach",
        position="Zwłoka wynikła z oczekiwania na opinię.",
    )
    complaint.refresh_from_db()
    assert complaint.forwarded_by == clerk and complaint.forwarded_at is not None
    with pytest.raises(CaseActionRefused):
        clock.complaint_forward(complaint=complaint, clerk=clerk, higher_body="SKO", position="x")
    assert DelayComplaint.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, action="complaint_forwarded").count() == 1


def test_the_timers_run_from_beat(world):
    _a, _b, case, _applicant = world
    assert settings.CELERY_BEAT_SCHEDULE["documents-deadlines-sweep"]["task"] == (
        "documents.tasks.deadlines_sweep"
    )
    Case.objects.filter(pk=case.pk).update(deadline=timezone.localdate() + dt.timedelta(days=1))
    result = deadlines_sweep.apply().get()
    assert result == {"delay_prompts": 1, "supplements": 0, "complaints_overdue": 0}


def test_a_case_opens_only_on_a_last_level_jrwa_class(db, pki_dir):
    setup = make_service(jrwa="14")  # "Informacja, promocja, współpraca": has subclasses
    with pytest.raises(CaseActionRefused):
        make_case(setup, UserFactory(), 7)
    assert not Case.objects.exists()
    leaf = make_service(jrwa="1431")
    assert make_case(leaf, UserFactory(), 8).jrwa_symbol == "1431"


def test_a_decision_is_not_a_plain_letter_and_does_not_close_the_case(world):
    """A decision is drafted, approved, signed and becomes final in the decision flow, which
    then records the closure (documents/tests/test_decisions.py)."""
    a, _b, case, _applicant = world
    with pytest.raises(CaseActionRefused):
        case_services.letter_send(
            case=case, clerk=clerk_of(a), kind="decision", title="Decyzja", body="Orzekam."
        )
    case.refresh_from_db()
    assert case.status == "open" and not CaseClosure.objects.filter(case=case).exists()
