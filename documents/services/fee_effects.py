"""What an unpaid fee brings about: the call to pay (KPA art. 261 § 1) and, when it stays
unpaid, the application returned without consideration (art. 261 § 2); both announced by
``payments`` (``payment_overdue``, ``payment_expired``)."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.utils import timezone

from payments.models import PaymentOrder
from sekap import audit
from sekap.datetimes import polish_date

from ..errors import CaseActionRefused
from ..models import Case, CaseResult, InboxMessage, MessageKind, Submission
from ..texts import notice_text_of_record
from .archive import closure_record
from .fees import submission_of, zloty
from .history import case_event
from .workflow import case_transition


def _notice(*, submission: Submission, notice: str, params: dict) -> None:
    title, body = notice_text_of_record(notice=notice, params=params)
    InboxMessage.objects.create(
        recipient=submission.submitter,
        company=submission.company,
        kind=MessageKind.NOTICE,
        title=title[:300],
        body=body,
        notice=notice,
        params=params,
        office_id=submission.office_id,
        submission=submission,
        case=submission.case,
        created_at=timezone.now(),
        read_at=None,
    )


@transaction.atomic
def fee_call_to_pay(*, order_id: int, subject_ref: str, due_on) -> None:
    """``payment_overdue``: call the applicant to pay within the new due day (art. 261 § 1)."""
    submission = submission_of(subject_ref)
    if submission is None:
        return
    order = PaymentOrder.objects.get(pk=order_id)
    params = {
        "amount": zloty(order.amount_grosze),
        "date": polish_date(due_on),
        "sign": submission.case.sign if submission.case_id else str(submission.public_id),
        "title": submission.title,
    }
    if submission.case_id:
        case_event(case=submission.case, action="call_to_pay", params=params)
    _notice(submission=submission, notice="call_to_pay", params=params)
    audit.record(action="documents.call_to_pay", target=submission, after=params)


@transaction.atomic
def fee_application_return(*, order_id: int, subject_ref: str) -> None:
    """``payment_expired``: still unpaid after the call, the application is returned without
    consideration (art. 261 § 2) and its case closed."""
    submission = submission_of(subject_ref)
    if submission is None:
        return
    params = {
        "sign": submission.case.sign if submission.case_id else str(submission.public_id),
        "title": submission.title,
    }
    if submission.case_id:
        case = Case.objects.select_for_update().get(pk=submission.case_id)
        case_event(case=case, action="application_returned", params={})
        if not case.is_closed:
            case_transition(
                case=case, transition="return_unpaid", actor=None, reason="art. 261 § 2 KPA"
            )
            # a class without an archival category: a clerk completes the closure
            with contextlib.suppress(CaseActionRefused):
                closure_record(case=case, result=CaseResult.LEFT_UNEXAMINED)
    _notice(submission=submission, notice="application_returned", params=params)
    audit.record(action="documents.application_returned", target=submission, after=params)
