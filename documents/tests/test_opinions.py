"""Parallel opinions: the handler asks a department and a person at once (the case waits for
opinions), the addressees answer with attachments, the workflow's "all opinions given" holds
only then; pages, metryka, audit and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents.errors import OpinionRefused, TransitionRequirementMissing
from documents.models import CaseEvent, Opinion
from documents.selectors.worklists import worklist_cases
from documents.services import case_take
from documents.services.opinions import (
    AttachedFile,
    opinion_answer,
    opinion_request,
    opinion_withdraw,
)
from documents.services.workflow import case_transition
from documents.tests.fixtures import clerk_of, make_case, make_service
from documents.tests.test_backoffice import staff_client
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("store_outside_transactions")]


@pytest.fixture
def examined(db, pki_dir):
    a = make_service(symbol="OR")
    legal = make_service(office=a.office, symbol="RP", slug="drugi-formularz")
    b = make_service(symbol="OR")
    case = make_case(a, UserFactory(), 1)
    handler = clerk_of(a)
    case = case_take(case=case, clerk=handler)
    case = case_transition(case=case, transition="accept", actor=handler)
    return a, legal, b, case, handler


def test_two_opinions_run_in_parallel_and_the_case_waits_for_both(examined):
    a, legal, _b, case, handler = examined
    lawyer = clerk_of(legal)
    architect = clerk_of(a)  # a named person (here of the same department)
    due = timezone.localdate() + dt.timedelta(days=7)
    client = staff_client(handler)
    form = client.get(f"/backoffice/sprawy/{case.pk}/opinie/")
    assert form.status_code == 200 and b'name="addressee"' in form.content
    asked = client.post(
        f"/backoffice/sprawy/{case.pk}/opinie/",
        {
            "addressee": f"d{legal.department.pk}",
            "question": "Czy podstawa prawna jest właściwa?",
            "due_on": due.isoformat(),
        },
    )
    assert asked.status_code == 302
    case.refresh_from_db()
    assert case.status == "opinions"
    second = opinion_request(
        case=case, actor=handler, clerk=architect, question="Czy plan jest zgodny?", due_on=due
    )
    to_legal = Opinion.objects.get(department=legal.department)

    # the department asked sees the case, in its list of opinions to give
    assert worklist_cases(staff=lawyer, key="opinions").filter(pk=case.pk).exists()
    lawyer_client = staff_client(lawyer)
    assert lawyer_client.get(f"/backoffice/sprawy/{case.pk}/").status_code == 200
    with pytest.raises(TransitionRequirementMissing):
        case_transition(case=case, transition="opinions_complete", actor=handler)

    answered = lawyer_client.post(
        f"/backoffice/sprawy/{case.pk}/opinie/{to_legal.public_id}/",
        {
            "answer": "Podstawa prawna jest właściwa.",
            "files": [
                SimpleUploadedFile("opinia.pdf", b"%PDF-1.4 opinia", "application/pdf"),
                SimpleUploadedFile("mapa.txt", b"mapa", "text/plain"),
            ],
        },
    )
    assert answered.status_code == 302
    to_legal.refresh_from_db()
    assert to_legal.status == "given" and to_legal.answered_by == lawyer
    assert to_legal.attachments.count() == 2
    with pytest.raises(TransitionRequirementMissing):  # the second is still open
        case_transition(case=case, transition="opinions_complete", actor=handler)
    opinion_answer(opinion=second, actor=architect, answer="Zgodny.", files=[])
    case = case_transition(case=case, transition="opinions_complete", actor=handler)
    assert case.status == "in_progress"

    page = client.get(f"/backoffice/sprawy/{case.pk}/opinie/{to_legal.public_id}/")
    assert "Podstawa prawna jest właściwa." in page.content.decode()
    attached = to_legal.attachments.first()
    download = client.get(
        f"/backoffice/sprawy/{case.pk}/opinie/{to_legal.public_id}/pliki/{attached.pk}/"
    )
    assert download.status_code == 200 and download.content == b"%PDF-1.4 opinia"
    assert AuditEntry.objects.filter(action="documents.opinion_file_read").exists()
    metryka = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert metryka.count("opinion_requested") == 2 and metryka.count("opinion_given") == 2
    given = CaseEvent.objects.filter(case=case, action="opinion_given").first()
    assert given.actor == lawyer and given.actor_position
    assert AuditEntry.objects.filter(action="documents.opinion_requested").count() == 2
    case_page = client.get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    assert "Czy plan jest zgodny?" in case_page


def test_a_withdrawn_question_does_not_hold_the_case(examined):
    _a, legal, _b, case, handler = examined
    due = timezone.localdate() + dt.timedelta(days=3)
    first = opinion_request(
        case=case, actor=handler, department=legal.department, question="A?", due_on=due
    )
    second = opinion_request(
        case=case, actor=handler, department=legal.department, question="B?", due_on=due
    )
    opinion_answer(opinion=first, actor=clerk_of(legal), answer="Tak.")
    opinion_withdraw(opinion=second, actor=handler)
    case.refresh_from_db()
    assert case_transition(case=case, transition="opinions_complete", actor=handler).status == (
        "in_progress"
    )


def test_refusals(examined):
    a, legal, b, case, handler = examined
    due = timezone.localdate() + dt.timedelta(days=3)
    colleague = clerk_of(a)  # not the handler
    stranger = clerk_of(b)
    colleague_client = staff_client(colleague)
    with pytest.raises(NotAllowed):
        opinion_request(
            case=case, actor=colleague, department=legal.department, question="?", due_on=due
        )
    assert (
        colleague_client.post(
            f"/backoffice/sprawy/{case.pk}/opinie/",
            {"addressee": f"d{legal.department.pk}", "question": "?", "due_on": due.isoformat()},
        ).status_code
        == 403
    )
    with pytest.raises(OpinionRefused):  # another office's department
        opinion_request(case=case, actor=handler, department=b.department, question="?", due_on=due)
    with pytest.raises(OpinionRefused):  # another office's clerk
        opinion_request(case=case, actor=handler, clerk=stranger, question="?", due_on=due)
    with pytest.raises(OpinionRefused):
        opinion_request(
            case=case,
            actor=handler,
            department=legal.department,
            question="?",
            due_on=timezone.localdate() - dt.timedelta(days=1),
        )
    opinion = opinion_request(
        case=case, actor=handler, department=legal.department, question="?", due_on=due
    )
    # only the department asked answers; another office sees nothing
    with pytest.raises(NotAllowed):
        opinion_answer(opinion=opinion, actor=colleague, answer="Nie.")
    with pytest.raises(NotAllowed):
        opinion_answer(opinion=opinion, actor=stranger, answer="Nie.")
    stranger_client = staff_client(stranger)
    assert stranger_client.get(f"/backoffice/sprawy/{case.pk}/opinie/").status_code == 404
    assert (
        stranger_client.get(f"/backoffice/sprawy/{case.pk}/opinie/{opinion.public_id}/").status_code
        == 404
    )
    refused = colleague_client.post(
        f"/backoffice/sprawy/{case.pk}/opinie/{opinion.public_id}/", {"answer": "Nie."}
    )
    assert refused.status_code == 403
    opinion.refresh_from_db()
    assert opinion.status == "requested"
    lawyer = clerk_of(legal)
    opinion_answer(opinion=opinion, actor=lawyer, answer="Tak.")
    with pytest.raises(OpinionRefused):  # answered once
        opinion_answer(opinion=opinion, actor=lawyer, answer="Jeszcze raz.")
    with pytest.raises(OpinionRefused):
        opinion_answer(
            opinion=opinion_request(
                case=case, actor=handler, clerk=lawyer, question="Pliki?", due_on=due
            ),
            actor=lawyer,
            answer="Za duże.",
            files=[AttachedFile(name="x.bin", content_type="", content=b"0" * (10 * 2**20 + 1))],
        )
