"""Reads of a case's opinions and of the opinions waiting for a person's answer."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from offices.models import StaffRole
from offices.selectors import memberships_active

from ..models import Case, Opinion, OpinionAttachment, OpinionStatus

ANSWERING_ROLES = (StaffRole.CLERK, StaffRole.HEAD)


def asked_q(*, user_id: int, departments) -> Q:
    """Opinions asked of the person or of one of their departments (a filter on Opinion)."""
    q = Q(clerk_id=user_id)
    if departments:
        q |= Q(department_id__in=departments)
    return q


def may_answer(*, user, opinion: Opinion, on: dt.date | None = None) -> bool:
    if opinion.clerk_id is not None:
        return opinion.clerk_id == user.pk
    return (
        memberships_active(user=user, on=on or timezone.localdate())
        .filter(department_id=opinion.department_id, role__in=ANSWERING_ROLES)
        .exists()
    )


def case_opinions(*, case: Case) -> QuerySet[Opinion]:
    return (
        Opinion.objects.filter(case=case)
        .select_related("department", "clerk", "requested_by")
        .prefetch_related("attachments")
        .order_by("requested_at", "pk")
    )


def case_opinion(*, case: Case, public_id) -> Opinion | None:
    return case_opinions(case=case).filter(public_id=public_id).first()


def opinion_attachment(*, opinion: Opinion, pk: int) -> OpinionAttachment | None:
    return OpinionAttachment.objects.filter(opinion=opinion, pk=pk).first()


def opinions_open_cases(*, user_id: int, departments) -> QuerySet:
    """The ids of cases with an opinion still asked of the person (a subquery)."""
    return Opinion.objects.filter(
        asked_q(user_id=user_id, departments=departments), status=OpinionStatus.REQUESTED
    ).values("case_id")
