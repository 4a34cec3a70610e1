"""The case page: the application rendered readable, attachments downloadable (authorised,
audited), assigning and reassigning by the head (also by a deputy, recorded "X for Y"),
internal notes, related cases and the metryka as PDF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from documents.models import Case, CaseEvent, CaseNote, Stage, Submission
from documents.services import intake
from documents.tests.fixtures import DATA, document_for, make_service
from documents.tests.test_backoffice import clerk_of, staff_client
from forms_platform.tests.factories import PDF_BYTES
from offices.models import Deputy, StaffMembership
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def case_with_document(setup, applicant) -> Case:
    data = {**DATA, "Skan": [{"name": "skan wniosku.pdf", "content": PDF_BYTES}]}
    document = document_for(setup, data=data)
    now = timezone.now()
    submission = Submission.objects.create(
        submitter=applicant,
        office=setup.office,
        service=setup.service,
        form_version=setup.version,
        title="Wniosek o zaświadczenie",
        channel="api",
        idempotency_key=f"page-{setup.office.pk}",
        document=document,
        sha256=hashlib.sha256(document).hexdigest(),
        size=len(document),
        received_at=now,
        intake_due_at=now,
        stage=Stage.SIGNATURE_CHECKED,
        signature_indication="TOTAL_PASSED",
    )
    intake.intake_process(submission_id=submission.pk)
    return Case.objects.get(submissions=submission)


@pytest.fixture
def office(db, pki_dir):
    setup = make_service(symbol="OR")
    return setup, case_with_document(setup, UserFactory(first_name="Jan", last_name="Kowalski"))


def test_application_is_shown_readable_with_its_attachment(office):
    setup, case = office
    clerk = clerk_of(setup)
    client = staff_client(clerk)
    page = client.get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    assert '<div class="document-view">' in page
    assert "Kowalski" in page and "44051401359" in page  # the form's values, not base64
    submission = case.submissions.get()
    link = f"/backoffice/sprawy/{case.pk}/dokumenty/{submission.public_id}/zalaczniki/1/"
    assert link in page and "skan wniosku.pdf" in page
    download = client.get(link)
    assert download.status_code == 200 and download.content == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    entry = AuditEntry.objects.get(action="documents.attachment.read")
    assert entry.actor_id == clerk.pk and entry.after["name"] == "skan wniosku.pdf"
    assert client.get(link.replace("/1/", "/2/")).status_code == 404


def test_attachment_refused_to_another_office(office):
    _setup, case = office
    stranger = clerk_of(make_service(symbol="OR"), role="registry_clerk", department=False)
    submission = case.submissions.get()
    link = f"/backoffice/sprawy/{case.pk}/dokumenty/{submission.public_id}/zalaczniki/1/"
    assert staff_client(stranger).get(link).status_code == 404
    assert not AuditEntry.objects.filter(action="documents.attachment.read").exists()


def test_head_assigns_and_reassigns_clerks_do_not(office):
    setup, case = office
    first, second = clerk_of(setup), clerk_of(setup)
    head = clerk_of(setup, role="head")
    StaffMembership.objects.filter(user=head).update(position="Naczelnik Wydziału")
    url = f"/backoffice/sprawy/{case.pk}/przydziel/"
    refused = staff_client(first).post(url, {"clerk": second.pk})
    assert refused.status_code == 302
    case.refresh_from_db()
    assert case.assignee is None
    head_client = staff_client(head)  # one login: a TOTP code is accepted once
    head_client.post(url, {"clerk": first.pk})
    case.refresh_from_db()
    assert case.assignee == first
    head_client.post(url, {"clerk": second.pk})
    case.refresh_from_db()
    assert case.assignee == second
    lines = list(CaseEvent.objects.filter(case=case, action__in=["assigned_to", "reassigned"]))
    assert [e.action for e in lines] == ["assigned_to", "reassigned"]
    assert all(e.actor == head and e.actor_position == "Naczelnik Wydziału" for e in lines)
    outsider = clerk_of(make_service(office=setup.office, symbol="GK", slug="inny"))
    head_client.post(url, {"clerk": outsider.pk})  # not of this department
    case.refresh_from_db()
    assert case.assignee == second
    assert AuditEntry.objects.filter(action="documents.case_assigned").count() == 2


def test_deputy_of_the_head_assigns_recorded_as_x_for_y(office):
    setup, case = office
    clerk = clerk_of(setup)
    head = clerk_of(setup, role="head")
    deputy = clerk_of(setup)
    now = timezone.now()
    Deputy.objects.create(
        office=setup.office,
        principal=head,
        deputy=deputy,
        valid_from=now - dt.timedelta(hours=1),
        valid_to=now + dt.timedelta(days=1),
    )
    staff_client(deputy).post(f"/backoffice/sprawy/{case.pk}/przydziel/", {"clerk": clerk.pk})
    case.refresh_from_db()
    assert case.assignee == clerk
    line = CaseEvent.objects.get(case=case, action="assigned_to")
    assert line.actor == deputy and line.on_behalf_of == head
    page = staff_client(clerk).get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    head_name = head.get_full_name() or head.email
    assert f"{deputy.get_full_name() or deputy.email} za {head_name}" in " ".join(page.split())


def test_notes_are_internal_and_the_metryka_exports_as_pdf(office):
    setup, case = office
    clerk = clerk_of(setup)
    client = staff_client(clerk)
    client.post(f"/backoffice/sprawy/{case.pk}/notatka/", {"text": "Zadzwonić do wnioskodawcy."})
    note = CaseNote.objects.get(case=case)
    assert note.author == clerk and note.text == "Zadzwonić do wnioskodawcy."
    assert (
        "Zadzwonić do wnioskodawcy."
        in client.get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    )
    pdf = client.get(f"/backoffice/sprawy/{case.pk}/metryka.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="documents.metryka.exported").count() == 1
    stranger = staff_client(clerk_of(make_service(symbol="OR")))
    assert stranger.get(f"/backoffice/sprawy/{case.pk}/metryka.pdf").status_code == 404
    refused = stranger.post(f"/backoffice/sprawy/{case.pk}/notatka/", {"text": "x"})
    assert refused.status_code == 404
    assert CaseNote.objects.count() == 1
