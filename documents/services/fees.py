"""Fees of applications (payments sits below documents and announces by signals).

Filing a fee-bearing application issues its payment orders in the same transaction (the
obligation arises when the application is filed, ustawa o opłacie skarbowej art. 6); the case
sign goes into the orders when the case opens; ``payments`` then announces payment, the
unpaid fee past its day (the call to pay, KPA art. 261 § 1) and expiry (the application is
returned, art. 261 § 2), and these services write it into the case.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from offices.models import Service
from payments import selectors as payment_selectors
from payments import services as payments
from payments.errors import NoFeeAccount
from payments.models import PaymentOrder
from sekap import audit
from sekap.datetimes import polish_date

from ..errors import CaseActionRefused
from ..models import (
    Case,
    CaseEvent,
    CaseResult,
    CaseStatus,
    InboxMessage,
    MessageKind,
    Submission,
)
from ..texts import notice_text_of_record
from .archive import closure_record
from .history import case_event


def subject_of(submission: Submission) -> str:
    return f"submission:{submission.public_id}"


def _submission_of(subject_ref: str) -> Submission | None:
    kind, _, key = subject_ref.partition(":")
    try:
        public_id = uuid.UUID(key)
    except ValueError:
        return None
    if kind != "submission":
        return None
    return Submission.objects.select_related("case", "service").filter(public_id=public_id).first()


def _zloty(grosze: int) -> str:
    return f"{grosze // 100},{grosze % 100:02d} zł"


def submission_fees_issue(
    *, submission: Submission, service: Service, data: dict[str, Any]
) -> list[PaymentOrder]:
    """Issue the orders of a new application (not of a reply in a case). An office that has
    not given its account yet issues none: the portal then says how to pay at the office."""
    if submission.reply_to_id:
        return []
    try:
        return payments.fee_orders_issue(
            service=service,
            payer=submission.submitter,
            data=data,
            subject_ref=subject_of(submission),
            reference=str(submission.public_id),
            filed_on=timezone.localdate(submission.received_at),
        )
    except NoFeeAccount:
        return []


def case_fees_attach(*, case: Case, submission: Submission) -> None:
    """The case is open: its sign goes into the orders; a fee paid before is recorded."""
    subject = subject_of(submission)
    payments.orders_case_sign_set(
        subject_ref=subject, case_sign=case.sign, service_title=case.service.title
    )
    for order in payment_selectors.orders_for_subject(subject_ref=subject):
        if order.status == "paid":
            _fee_paid_event(case=case, order=order)


def _fee_paid_event(*, case: Case, order: PaymentOrder) -> None:
    already = CaseEvent.objects.filter(
        case=case, action="fee_paid", params__order=str(order.public_id)
    ).exists()
    if not already:
        case_event(
            case=case,
            action="fee_paid",
            params={"amount": _zloty(order.amount_grosze), "order": str(order.public_id)},
        )


@transaction.atomic
def fee_paid_record(*, order_id: int, subject_ref: str) -> None:
    """``payment_settled``: the case shows the fee paid (a history line)."""
    submission = _submission_of(subject_ref)
    if submission is None or submission.case_id is None:
        return  # no case yet: case_fees_attach records it when the case opens
    case = Case.objects.select_for_update().get(pk=submission.case_id)
    order = PaymentOrder.objects.get(pk=order_id)
    _fee_paid_event(case=case, order=order)


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
    submission = _submission_of(subject_ref)
    if submission is None:
        return
    order = PaymentOrder.objects.get(pk=order_id)
    params = {
        "amount": _zloty(order.amount_grosze),
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
    submission = _submission_of(subject_ref)
    if submission is None:
        return
    params = {
        "sign": submission.case.sign if submission.case_id else str(submission.public_id),
        "title": submission.title,
    }
    if submission.case_id:
        case = Case.objects.select_for_update().get(pk=submission.case_id)
        case_event(case=case, action="application_returned", params={})
        if case.status != CaseStatus.CLOSED:
            case.status = CaseStatus.CLOSED
            case.closed_at = timezone.now()
            case.save(update_fields=["status", "closed_at", "updated_at"])
            # a class without an archival category: a clerk completes the closure
            with contextlib.suppress(CaseActionRefused):
                closure_record(case=case, result=CaseResult.LEFT_UNEXAMINED)
    _notice(submission=submission, notice="application_returned", params=params)
    audit.record(action="documents.application_returned", target=submission, after=params)
