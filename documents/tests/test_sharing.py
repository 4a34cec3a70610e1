"""Sharing a case outside its department: the handler or the head shares with a named clerk of
the same office (read, or read and handle), lists and revokes shares; the shared clerk sees the
case in their lists; every share is in the metryka and the audit trail; refusals."""

from __future__ import annotations

import pytest

from documents.errors import TransitionRoleRequired
from documents.models import CaseEvent
from documents.selectors.worklists import worklist_cases
from documents.services.workflow import case_transition
from documents.tests.fixtures import clerk_of, make_case, make_service
from documents.tests.test_backoffice import staff_client
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_setup(db, pki_dir):
    a = make_service(symbol="OR")
    other_department = make_service(office=a.office, symbol="GK", slug="drugi-formularz")
    b = make_service(symbol="OR")
    case = make_case(a, UserFactory(), 1)
    return a, other_department, b, case


def _share(client, case, clerk, *, change=False):
    data = {"clerk": clerk.pk}
    if change:
        data["may_change"] = "on"
    return client.post(f"/backoffice/sprawy/{case.pk}/udostepnienie/", data)


def test_handler_shares_with_a_clerk_of_another_department_who_then_sees_it(shared_setup):
    a, other_department, _b, case = shared_setup
    handler = clerk_of(a)
    handler_client = staff_client(handler)
    handler_client.post(f"/backoffice/sprawy/{case.pk}/przyjmij/")
    lawyer = clerk_of(other_department)
    lawyer_client = staff_client(lawyer)
    assert lawyer_client.get(f"/backoffice/sprawy/{case.pk}/").status_code == 404
    assert not worklist_cases(staff=lawyer, key="department").filter(pk=case.pk).exists()

    page = handler_client.get(f"/backoffice/sprawy/{case.pk}/udostepnienie/")
    assert page.status_code == 200 and lawyer.get_full_name().encode() in page.content
    assert _share(handler_client, case, lawyer).status_code == 302

    assert lawyer_client.get(f"/backoffice/sprawy/{case.pk}/").status_code == 200
    assert worklist_cases(staff=lawyer, key="shared").filter(pk=case.pk).exists()
    listing = handler_client.get(f"/backoffice/sprawy/{case.pk}/udostepnienie/").content.decode()
    assert "Stop sharing" in listing or "Przestań udostępniać" in listing
    event = CaseEvent.objects.filter(case=case, action="shared_view").get()
    assert event.actor == handler and lawyer.get_full_name() in event.description
    audit = AuditEntry.objects.filter(action="documents.case_shared").get()
    assert audit.after["clerk"] == lawyer.pk and audit.after["change"] is False

    # read only: the shared clerk takes no clerk's step
    with pytest.raises(TransitionRoleRequired):
        case_transition(case=case, transition="accept", actor=lawyer)

    revoke = handler_client.post(f"/backoffice/sprawy/{case.pk}/udostepnienie/{lawyer.pk}/cofnij/")
    assert revoke.status_code == 302
    assert lawyer_client.get(f"/backoffice/sprawy/{case.pk}/").status_code == 404
    assert CaseEvent.objects.filter(case=case, action="unshared").exists()
    assert AuditEntry.objects.filter(action="documents.case_unshared").exists()


def test_a_share_to_handle_lets_the_co_handler_take_the_clerks_steps(shared_setup):
    a, other_department, _b, case = shared_setup
    handler = clerk_of(a)
    handler_client = staff_client(handler)
    handler_client.post(f"/backoffice/sprawy/{case.pk}/przyjmij/")
    expert = clerk_of(other_department)
    assert _share(handler_client, case, expert, change=True).status_code == 302
    case.refresh_from_db()
    assert case_transition(case=case, transition="accept", actor=expert).status == "in_progress"


def test_the_head_of_the_department_shares_a_case_nobody_handles(shared_setup):
    a, other_department, _b, case = shared_setup
    head = clerk_of(a, role="head")
    colleague = clerk_of(other_department)
    assert _share(staff_client(head), case, colleague).status_code == 302
    assert worklist_cases(staff=colleague, key="shared").filter(pk=case.pk).exists()


def test_refusals(shared_setup):
    a, other_department, b, case = shared_setup
    handler = clerk_of(a)
    handler_client = staff_client(handler)
    handler_client.post(f"/backoffice/sprawy/{case.pk}/przyjmij/")
    colleague = clerk_of(a)  # same department, neither handler nor head
    colleague_client = staff_client(colleague)
    outsider = clerk_of(other_department)
    stranger = clerk_of(b)  # another office

    # a clerk of the department who does not handle the case may not share it
    page = colleague_client.get(f"/backoffice/sprawy/{case.pk}/udostepnienie/")
    assert page.status_code == 200 and b'name="clerk"' not in page.content
    assert _share(colleague_client, case, outsider).status_code == 403
    # nobody outside the case's visibility reaches the page at all
    assert (
        staff_client(outsider).get(f"/backoffice/sprawy/{case.pk}/udostepnienie/").status_code
        == 404
    )
    assert _share(staff_client(stranger), case, outsider).status_code == 404
    # another office's clerk cannot be chosen (nor forced through the form)
    assert (
        str(stranger.pk).encode() + b'">'
        not in handler_client.get(f"/backoffice/sprawy/{case.pk}/udostepnienie/").content
    )
    assert _share(handler_client, case, stranger).status_code == 400
    from documents.errors import ShareRefused
    from documents.services.sharing import case_share, case_unshare

    with pytest.raises(ShareRefused):
        case_share(case=case, clerk=stranger, may_change=False, acting=handler)
    with pytest.raises(ShareRefused):
        case_share(case=case, clerk=outsider, may_change=False, acting=colleague)
    with pytest.raises(ShareRefused):  # nothing to revoke
        case_unshare(case=case, clerk=outsider, acting=handler)
    # a colleague may not revoke the handler's share
    case_share(case=case, clerk=outsider, may_change=False, acting=handler)
    colleague_client.post(f"/backoffice/sprawy/{case.pk}/udostepnienie/{outsider.pk}/cofnij/")
    assert worklist_cases(staff=outsider, key="shared").filter(pk=case.pk).exists()
    assert not worklist_cases(staff=stranger, key="department").exists()
    assert not AuditEntry.objects.filter(action="documents.case_unshared").exists()
