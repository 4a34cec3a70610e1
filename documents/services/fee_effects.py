"""What an unpaid fee brings about: the call to pay (KPA art. 261 § 1, 7 days from its
delivery) and, when it stays unpaid, the application returned without consideration
(art. 261 § 2); both announced by ``payments`` (``payment_overdue``, ``payment_expired``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid

from django.db import transaction
from django.utils import timezone

from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import PaymentOrder
from sekap import audit

from ..deadlines import legal_end
from ..errors import CaseActionRefused
from ..models import (
    Case,
    CaseParty,
    CaseResult,
    InboxMessage,
    Letter,
    LetterKind,
    MessageKind,
    PartyRole,
    Submission,
)
from ..selectors import delivery_date
from ..texts import notice_text_of_record
from .archive import closure_record
from .cases import letter_xml
from .delivery import addressees_of, delivery_notes, letter_dispatch
from .fees import submission_of, zloty
from .history import case_event
from .receipts import seal_document
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


CALL_TO_PAY_DAYS = 7  # KPA art. 261 § 1: from the delivery of the call


def _account_text(virtual_account: str) -> str:
    digits = virtual_account.removeprefix("PL")
    return " ".join([digits[:2], *(digits[i : i + 4] for i in range(2, len(digits), 4))])


def _applicant_parties(case: Case) -> list[CaseParty]:
    return list(case.parties.filter(role=PartyRole.APPLICANT).order_by("pk")[:1])


def _call_letter(*, case: Case, order: PaymentOrder, params: dict) -> tuple[Letter, list]:
    """The call to pay as an official letter under the office seal, to the applicant (or its
    representative), stored before the transaction (object storage is a network call) and
    dispatched in it on its legal channel: its delivery date starts the 7 days. The letter
    (unsaved) and its addressees."""
    title = f"Wezwanie do uiszczenia opłaty – {params['title']}"[:300]
    body = (
        f"W sprawie {params['sign']} nie uiszczono opłaty w wysokości {params['amount']}. "
        "Na podstawie art. 261 § 1 Kodeksu postępowania administracyjnego wzywam do jej "
        f"uiszczenia w terminie {CALL_TO_PAY_DAYS} dni od dnia doręczenia niniejszego "
        "wezwania, z rygorem pozostawienia podania bez rozpatrzenia (art. 261 § 2 KPA).\n"
        "Opłatę można uiścić w SEKAP w zakładce Płatności albo przelewem na rachunek "
        f"{_account_text(order.virtual_account or '')}, tytuł: {order.title}."
    )
    now = timezone.now()
    letter = Letter(
        case=case, kind=LetterKind.LETTER, title=title, body=body, created_by=None, sent_at=now
    )
    addressees = addressees_of(letter, parties=_applicant_parties(case) or None)
    xml = letter_xml(
        case=case,
        kind=letter.kind,
        title=title,
        body=body,
        sent_at=now,
        public_id=str(letter.public_id),
        supplement_due=None,
        delivery_notes=delivery_notes(letter=letter, addressees=addressees),
        addressees=tuple(a.name for a in addressees),
    )
    letter.xml = Letter._meta.get_field("xml").store(seal_document(office=case.office, xml=xml))
    letter.sha256 = hashlib.sha256(bytes(letter.xml)).hexdigest()
    return letter, addressees


def fee_call_to_pay(*, order_id: int, subject_ref: str, due_on=None) -> None:
    """``payment_overdue``: call the applicant to pay within 7 days from the delivery of the
    call (art. 261 § 1). The call is a sealed letter to the applicant delivered with legal
    effect (on paper or e-Doręczenia too when the applicant has no account);
    ``fee_calls_delivery_update`` tells payments the delivery date once it is known. An
    application without a case gets an inbox notice only, and is never returned
    automatically: that is for the clerk."""
    submission = submission_of(subject_ref)
    if submission is None:
        return
    order = PaymentOrder.objects.get(pk=order_id)
    params = {
        "amount": zloty(order.amount_grosze),
        "days": CALL_TO_PAY_DAYS,
        "sign": submission.case.sign if submission.case_id else str(submission.public_id),
        "title": submission.title,
    }
    case = submission.case if submission.case_id else None
    by_letter = (
        case is not None and not case.is_closed and (case.applicant_id or _applicant_parties(case))
    )
    call = _call_letter(case=case, order=order, params=params) if by_letter else None
    with transaction.atomic():
        _call_to_pay_record(submission=submission, case=case, order=order, params=params, call=call)


def _call_to_pay_record(*, submission, case, order, params: dict, call) -> None:
    if call is not None:
        letter, addressees = call
        letter.save(force_insert=True)
        letter_dispatch(letter=letter, actor=None, addressees=addressees)
        payments.order_call_record(order_id=order.pk, call_ref=f"letter:{letter.public_id}")
        case_event(
            case=case, action="call_to_pay", params=params, document_ref=str(letter.public_id)
        )
    else:
        if case is not None:
            case_event(case=case, action="call_to_pay", params=params)
        _notice(submission=submission, notice="call_to_pay", params=params)
    audit.record(action="documents.call_to_pay", target=submission, after=params)


def fee_calls_delivery_update() -> int:
    """Beat: calls to pay whose delivery is now known (opened, collected, receipt returned
    or deemed delivered) give payments their due day, 7 days from that delivery (moved to
    the next working day, art. 57 § 4). Returns how many were recorded."""
    recorded = 0
    for order_id, call_ref in payment_selectors.orders_call_undelivered().values_list(
        "pk", "call_ref"
    ):
        kind, _sep, key = call_ref.partition(":")
        try:
            letter = Letter.objects.filter(public_id=uuid.UUID(key)).first()
        except ValueError:
            letter = None
        if kind != "letter" or letter is None:
            continue
        day = delivery_date(letter=letter)
        if day is None:
            continue
        payments.order_call_delivered(
            order_id=order_id,
            delivered_on=day,
            due_on=legal_end(day + dt.timedelta(days=CALL_TO_PAY_DAYS)),
        )
        recorded += 1
    return recorded


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
