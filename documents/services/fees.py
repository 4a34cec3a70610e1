"""Fees of applications (payments sits below documents and announces by signals).

Filing a fee-bearing application issues its payment orders in the same transaction (the
obligation arises when the application is filed, ustawa o opłacie skarbowej art. 6); the case
sign goes into the orders when the case opens; ``payments`` then announces payment, the
unpaid fee past its day (the call to pay, KPA art. 261 § 1) and expiry (the application is
returned, art. 261 § 2), and these services write it into the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from offices.models import Service
from payments import selectors as payment_selectors
from payments import services as payments
from payments.errors import NoFeeAccount
from payments.models import PaymentOrder

from ..models import Case, CaseEvent, Submission
from .history import case_event

_CHUNK = 2000


def subject_of(submission: Submission) -> str:
    return f"submission:{submission.public_id}"


def _submission_public_id(subject_ref: str) -> uuid.UUID | None:
    kind, _, key = subject_ref.partition(":")
    if kind != "submission":
        return None
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def submission_of(subject_ref: str) -> Submission | None:
    public_id = _submission_public_id(subject_ref)
    if public_id is None:
        return None
    return Submission.objects.select_related("case", "service").filter(public_id=public_id).first()


def zloty(grosze: int) -> str:
    return f"{grosze // 100},{grosze % 100:02d} zł"


def submission_fees_issue(
    *, submission: Submission, service: Service, data: dict[str, Any]
) -> list[PaymentOrder]:
    """Issue the orders of a new application (not of a reply in a case). An office that has
    not given its account yet issues none: the portal then says how to pay at the office. An
    application filed for a company by its representative is charged for the power of
    attorney (17 zł, filed with the office with each application)."""
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
            # filed for a company on the representative's registered power of attorney
            by_representative=submission.company_id is not None,
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


def cases_fees_attach(*, opened: list[tuple[Case, Submission]]) -> None:
    """:func:`case_fees_attach` of each case just opened from its submission; the
    applications without orders (most) cost one query together."""
    subjects = payment_selectors.subjects_with_orders(
        subject_refs=[subject_of(submission) for _case, submission in opened]
    )
    for case, submission in opened:
        if subject_of(submission) in subjects:
            case_fees_attach(case=case, submission=submission)


def _fee_paid_event(*, case: Case, order: PaymentOrder) -> None:
    already = CaseEvent.objects.filter(
        case=case, action="fee_paid", params__order=str(order.public_id)
    ).exists()
    if not already:
        case_event(
            case=case,
            action="fee_paid",
            params={"amount": zloty(order.amount_grosze), "order": str(order.public_id)},
        )


def fees_paid_record(*, orders: Sequence[tuple[int, str]]) -> None:
    """``payments_settled``: each case shows its fees paid (a history line). The applications
    behind a set of orders are found in one query per chunk, not one per order (a statement
    settles a hundred thousand); an order that is not an application's costs nothing here."""
    wanted: dict[uuid.UUID, list[int]] = {}
    for order_id, subject_ref in orders:
        public_id = _submission_public_id(subject_ref)
        if public_id is not None:
            wanted.setdefault(public_id, []).append(order_id)
    ids = list(wanted)
    for start in range(0, len(ids), _CHUNK):
        cases = Submission.objects.filter(
            public_id__in=ids[start : start + _CHUNK], case__isnull=False
        ).values_list("public_id", "case_id")
        # no case yet: case_fees_attach records the fee when the case opens
        for public_id, case_id in cases:
            for order_id in wanted[public_id]:
                with transaction.atomic():
                    case = Case.objects.select_for_update().get(pk=case_id)
                    _fee_paid_event(case=case, order=PaymentOrder.objects.get(pk=order_id))
