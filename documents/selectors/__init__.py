"""Reads of correspondence and cases for the portal, the back office and the API.

Applicants see their own items and those of companies they currently represent; clerks see
their office's cases in their departments, cases assigned to them and to people they stand in
for. Each visibility rule is one query on typed columns.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q, QuerySet

from offices.models import Department
from offices.selectors import memberships_active
from sekap.accounts.models import User, UserKind
from sekap.accounts.selectors import companies_represented_by

from ..models import (
    CLOSED_STATES,
    Appeal,
    Case,
    CaseEvent,
    CaseParty,
    Delivery,
    InboxMessage,
    Receipt,
    Submission,
)
from .delivery import (
    PartyDelivery,
    deliveries_of,
    delivery_date,
    delivery_dates,
    dispatch_book,
    dispatch_delivery,
    dispatch_offices,
    letter_delivered_to_all,
    letter_released,
    receipt_owned,
)
from .visibility import OFFICE_WIDE_Q, case_scope, cases_visible_to, departments_of


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _owner_q(user, *, user_field: str, company_field: str) -> Q:
    return Q(**{user_field: user}) | Q(
        **{f"{company_field}__in": companies_represented_by(user).values("pk")}
    )


def submissions_for(user) -> QuerySet[Submission]:
    if not _authenticated(user):
        return Submission.objects.none()
    return (
        Submission.objects.filter(_owner_q(user, user_field="submitter", company_field="company"))
        .select_related("office", "service", "case", "company")
        .defer("document", "signature_report")
        .order_by("-received_at")
    )


def parse_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def submission_for(*, user, public_id) -> Submission | None:
    key = parse_uuid(public_id)
    if key is None:
        return None
    return submissions_for(user).filter(public_id=key).first()


def submission_document(*, user, public_id) -> bytes | None:
    key = parse_uuid(public_id)
    if key is None or not _authenticated(user):
        return None
    row = (
        Submission.objects.filter(_owner_q(user, user_field="submitter", company_field="company"))
        .filter(public_id=key)
        .values_list("document", flat=True)
        .first()
    )
    return bytes(row) if row is not None else None


def receipt_of(submission: Submission) -> Receipt | None:
    return Receipt.objects.filter(submission=submission).first()


def inbox_for(user) -> QuerySet[InboxMessage]:
    if not _authenticated(user):
        return InboxMessage.objects.none()
    return (
        InboxMessage.objects.filter(_owner_q(user, user_field="recipient", company_field="company"))
        .select_related("office", "case", "letter", "receipt", "submission")
        .defer("receipt__xml", "receipt__pdf", "letter__xml", "submission__document")
        .order_by("-created_at", "-pk")
    )


def inbox_unread_count(user) -> int:
    if not _authenticated(user):
        return 0
    return inbox_for(user).filter(read_at__isnull=True).count()


def inbox_message_for(*, user, pk) -> InboxMessage | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return inbox_for(user).filter(pk=pk).first()


def cases_for(user) -> QuerySet[Case]:
    """Cases in which the user is a party with their account (in any role), or the companies
    they currently represent are; the account is one way to reach a party, not a requirement."""
    if not _authenticated(user):
        return Case.objects.none()
    parties = CaseParty.objects.filter(
        _owner_q(user, user_field="correspondent__account", company_field="correspondent__company")
    ).values("case_id")
    return (
        Case.objects.filter(pk__in=parties)
        .select_related("office", "department", "service")
        .order_by("-opened_at")
    )


def case_for(*, user, pk_or_sign) -> Case | None:
    cases = cases_for(user)
    value = str(pk_or_sign)
    if value.isdigit():
        return cases.filter(pk=int(value)).first()
    return cases.filter(sign=value).first()


def case_history(case: Case) -> QuerySet[CaseEvent]:
    """The metryka: every action on the case in time order."""
    return case.events.select_related("actor").order_by("at", "pk")


def appeals_of(*, case: Case) -> QuerySet[Appeal]:
    """The appeals filed in the case (with their registered filings)."""
    return (
        Appeal.objects.filter(decision__case=case)
        .select_related("submission__register_entry")
        .order_by("filed_at")
    )


def case_documents(case: Case) -> dict:
    """Documents both ways: submissions (in) and letters (out), without their bytes."""
    return {
        "incoming": list(
            Submission.objects.filter(Q(case=case) | Q(reply_to=case))
            .select_related("register_entry", "receipt")
            .defer("document", "signature_report")
            .order_by("received_at")
        ),
        "outgoing": list(
            case.letters.defer("xml")
            .prefetch_related(
                Prefetch(
                    "deliveries",
                    queryset=Delivery.objects.defer("sending_proof", "receipt_proof").order_by(
                        "pk"
                    ),
                )
            )
            .order_by("sent_at")
        ),
    }


def receipt_public(public_id) -> Receipt | None:
    key = parse_uuid(public_id)
    if key is None:
        return None
    return Receipt.objects.select_related("office").filter(public_id=key).first()


# --- the back office --------------------------------------------------------------------------


def queue_for(*, staff, status: str = "") -> QuerySet[Case]:
    cases = cases_visible_to(staff=staff)
    return cases.filter(status=status) if status else cases.exclude(status__in=CLOSED_STATES)


def staff_case(*, staff, pk) -> Case | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return cases_visible_to(staff=staff).filter(pk=pk).first()


def case_submission(*, case: Case, public_id) -> Submission | None:
    """A document received in the case (the application or a reply), by its public id."""
    key = parse_uuid(public_id)
    if key is None:
        return None
    return Submission.objects.filter(Q(case=case) | Q(reply_to=case), public_id=key).first()


def departments_for_filter(*, staff) -> QuerySet[Department]:
    """The departments of the offices where ``staff`` handles cases (a work list's filter),
    from the person's scope already read for the request."""
    return departments_of(case_scope(staff=staff).offices if _authenticated(staff) else ())


def office_wide(*, staff, office_id: int) -> bool:
    """Holds an office-wide case role (registry, head of the office, administrator) there."""
    return memberships_active(user=staff).filter(OFFICE_WIDE_Q, office_id=office_id).exists()


def staff_member(*, pk) -> User | None:
    try:
        return User.objects.filter(pk=int(pk), kind=UserKind.STAFF).first()
    except (TypeError, ValueError):
        return None


def related_cases(*, staff, case: Case, limit: int = 20) -> list[Case]:
    """Other cases of the same applicant (as a correspondent of the office, with or without an
    account) that the person may see (newest first)."""
    applicants = CaseParty.objects.filter(case=case, role="applicant").values("correspondent_id")
    theirs = CaseParty.objects.filter(correspondent_id__in=applicants, role="applicant").values(
        "case_id"
    )
    return list(
        cases_visible_to(staff=staff)
        .filter(pk__in=theirs)
        .exclude(pk=case.pk)
        .order_by("-opened_at")[:limit]
    )


def esp_waiting(*, office) -> QuerySet[Submission]:
    """Submissions the office's own document system has not confirmed yet, oldest first."""
    return Submission.objects.filter(office=office, esp_confirmed_at__isnull=True).order_by(
        "received_at", "pk"
    )


__all__ = [
    "PartyDelivery",
    "case_documents",
    "case_for",
    "case_history",
    "case_submission",
    "cases_for",
    "cases_visible_to",
    "deliveries_of",
    "delivery_date",
    "delivery_dates",
    "departments_for_filter",
    "dispatch_book",
    "dispatch_delivery",
    "dispatch_offices",
    "esp_waiting",
    "inbox_for",
    "inbox_message_for",
    "inbox_unread_count",
    "letter_delivered_to_all",
    "letter_released",
    "office_wide",
    "parse_uuid",
    "queue_for",
    "receipt_of",
    "receipt_owned",
    "receipt_public",
    "related_cases",
    "staff_case",
    "staff_member",
    "submission_document",
    "submission_for",
    "submissions_for",
]
