"""A leaver's open cases go back to the department's unassigned list, in the deactivation's
transaction, with a history line and an audit entry; closed cases keep their handler."""

from __future__ import annotations

import pytest

from documents.models import Case, CaseEvent
from documents.tests.fixtures import clerk_of, make_case, setup  # noqa: F401
from offices.leavers import staff_deactivate
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_open_cases_are_released_for_the_head_to_reassign(setup):  # noqa: F811
    applicant = UserFactory()
    leaver = clerk_of(setup)
    open_case, closed_case = make_case(setup, applicant, 1), make_case(setup, applicant, 2)
    Case.objects.filter(pk__in=[open_case.pk, closed_case.pk]).update(assignee=leaver)
    Case.objects.filter(pk=closed_case.pk).update(status="closed")

    result = staff_deactivate(user=leaver, actor=None)

    assert result.handed_back == 1
    open_case.refresh_from_db()
    closed_case.refresh_from_db()
    assert open_case.assignee_id is None
    assert open_case.department_id == setup.department.pk  # on the department's list
    assert closed_case.assignee_id == leaver.pk
    event = CaseEvent.objects.filter(case=open_case, action="released_leaver").get()
    assert event.params == {"clerk": leaver.get_full_name()}
    entry = AuditEntry.objects.get(action="documents.case_released")
    assert (entry.before, entry.after) == (
        {"assignee": leaver.pk},
        {"assignee": None, "reason": "leaver"},
    )
