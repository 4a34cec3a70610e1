"""Closing and archiving: retention from the JRWA class, transfer lists, destruction proposals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.errors import CaseActionRefused
from documents.models import Case, CaseClosure, CaseStatus
from documents.services import archive
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    ("category", "closed_on", "expected"),
    [
        ("A", D(2026, 6, 30), None),  # archival: kept for ever, never proposed
        ("B5", D(2026, 6, 30), D(2032, 1, 1)),  # 1 Jan 2027 + 5 full years
        ("B5", D(2026, 1, 1), D(2032, 1, 1)),  # closing day in the year does not matter
        ("B10", D(2026, 12, 31), D(2037, 1, 1)),  # 1 Jan 2027 + 10
        ("B50", D(2025, 3, 3), D(2076, 1, 1)),  # 1 Jan 2026 + 50
        ("BE5", D(2028, 2, 29), D(2034, 1, 1)),  # expert review after 1 Jan 2029 + 5
        ("Bc", D(2026, 6, 30), D(2027, 1, 1)),  # short use: from 1 Jan after closing
    ],
)
def test_retention_is_counted_from_the_first_of_january_after_closing(
    category, closed_on, expected
):
    assert archive.retention_until(category=category, closed_on=closed_on) == expected


@pytest.mark.parametrize("category", ["B", "BE", "C5", ""])
def test_unknown_categories_are_refused(category):
    with pytest.raises(ValueError):
        archive.retention_until(category=category, closed_on=D(2026, 1, 1))


@pytest.fixture
def offices(db, pki_dir):
    a = make_service(symbol="OR", jrwa="5362")  # odpisy aktów stanu cywilnego: B10
    b = make_service(symbol="OR", jrwa="5362")
    return a, b


def test_closing_takes_the_category_and_retention_from_the_jrwa_class(offices):
    a, b = offices
    case = make_case(a, UserFactory(), 1)
    with pytest.raises(NotAllowed):
        archive.case_close(case=case, actor=clerk_of(b), result="decided")
    assert not CaseClosure.objects.exists()
    clerk = clerk_of(a)
    closure = archive.case_close(case=case, actor=clerk, result="withdrawn")
    case.refresh_from_db()
    today = timezone.localdate()
    assert case.status == CaseStatus.CLOSED
    assert (closure.result, closure.archival_category, closure.closed_on) == (
        "withdrawn",
        "B10",
        today,
    )
    assert closure.retention_until == D(today.year + 11, 1, 1)
    assert closure.jrwa_heading == "Odpisy aktów stanu cywilnego"
    event = case.events.get(action="closed")
    assert "kategoria archiwalna B10" in event.description and "wycofana" in event.description
    assert AuditEntry.objects.filter(action="documents.case_closed").count() == 1
    with pytest.raises(CaseActionRefused):
        archive.case_close(case=case, actor=clerk, result="decided")


def _closed(setup, n: int, *, closed_on: dt.date) -> Case:
    case = make_case(setup, UserFactory(), n)
    clerk = clerk_of(setup)
    archive.case_close(case=case, actor=clerk, result="decided")
    CaseClosure.objects.filter(case=case).update(
        closed_on=closed_on,
        retention_until=archive.retention_until(category="B10", closed_on=closed_on),
    )
    return case


def test_transfer_list_collects_the_departments_closed_files_and_the_archivist_accepts(offices):
    a, b = offices
    old = _closed(a, 1, closed_on=D(2024, 5, 6))
    older = _closed(a, 2, closed_on=D(2023, 1, 9))
    recent = _closed(a, 3, closed_on=timezone.localdate())
    make_case(a, UserFactory(), 4)  # still open
    elsewhere = _closed(b, 5, closed_on=D(2024, 5, 6))
    clerk = clerk_of(a)
    with pytest.raises(NotAllowed):
        archive.transfer_list_create(
            department=a.department, actor=clerk_of(b), closed_until=D(2024, 12, 31)
        )
    transfer = archive.transfer_list_create(
        department=a.department, actor=clerk, closed_until=D(2024, 12, 31)
    )
    assert transfer.number == 1
    assert set(transfer.closures.values_list("case_id", flat=True)) == {old.pk, older.pk}
    assert CaseClosure.objects.get(case=recent).transfer_list is None
    assert CaseClosure.objects.get(case=elsewhere).transfer_list is None
    with pytest.raises(CaseActionRefused):  # nothing left to hand over
        archive.transfer_list_create(
            department=a.department, actor=clerk, closed_until=D(2024, 12, 31)
        )
    with pytest.raises(NotAllowed):  # a clerk does not accept for the archive
        archive.transfer_list_accept(transfer_list=transfer, archivist=clerk)
    archivist = clerk_of(a, role="archivist", department=False)
    with pytest.raises(NotAllowed):  # another office's archivist neither
        archive.transfer_list_accept(
            transfer_list=transfer, archivist=clerk_of(b, role="archivist", department=False)
        )
    archive.transfer_list_accept(transfer_list=transfer, archivist=archivist)
    transfer.refresh_from_db()
    assert transfer.accepted_by == archivist
    with pytest.raises(CaseActionRefused):
        archive.transfer_list_accept(transfer_list=transfer, archivist=archivist)


def test_expired_b_files_are_proposed_for_a_decision_and_never_deleted(offices):
    a, b = offices
    expired = _closed(a, 1, closed_on=D(2014, 3, 3))  # B10: kept until 1 Jan 2025
    kept = _closed(a, 2, closed_on=D(2020, 3, 3))  # until 1 Jan 2031
    archival = make_case(
        make_service(office=a.office, symbol="OA", jrwa="1431", slug="wniosek-archiwalny"),
        UserFactory(),
        3,
    )
    archive.case_close(
        case=archival, actor=clerk_of(a, role="head", department=False), result="decided"
    )
    CaseClosure.objects.filter(case=archival).update(closed_on=D(1990, 1, 1))  # A: never
    review = _closed(a, 4, closed_on=D(2010, 3, 3))
    CaseClosure.objects.filter(case=review).update(
        archival_category="BE5", retention_until=D(2016, 1, 1)
    )
    archivist = clerk_of(a, role="archivist", department=False)
    with pytest.raises(NotAllowed):
        archive.destruction_proposal_create(
            office=a.office, archivist=clerk_of(a), as_of=timezone.localdate()
        )
    proposal = archive.destruction_proposal_create(
        office=a.office, archivist=archivist, as_of=timezone.localdate()
    )
    assert list(proposal.closures.values_list("case_id", flat=True)) == [expired.pk]
    assert list(
        archive.expert_review_due(office=a.office, as_of=timezone.localdate()).values_list(
            "case_id", flat=True
        )
    ) == [review.pk]
    assert CaseClosure.objects.get(case=kept).destruction_proposal is None
    with pytest.raises(CaseActionRefused):
        archive.destruction_proposal_decide(
            proposal=proposal, archivist=archivist, approved=True, reference=""
        )
    archive.destruction_proposal_decide(
        proposal=proposal, archivist=archivist, approved=True, reference="AP.KAT.4231.12.2026"
    )
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decision_reference == "AP.KAT.4231.12.2026"
    assert Case.objects.filter(pk=expired.pk).exists()  # consent recorded; nothing deleted
    with pytest.raises(CaseActionRefused):
        archive.destruction_proposal_decide(
            proposal=proposal, archivist=archivist, approved=False, reference="x"
        )
    with pytest.raises(CaseActionRefused):  # nothing else has expired
        archive.destruction_proposal_create(
            office=a.office, archivist=archivist, as_of=timezone.localdate()
        )
    assert b.office.pk != a.office.pk
