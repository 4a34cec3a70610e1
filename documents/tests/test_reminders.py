"""Reminders before a call to supplement falls due: sent once, only while the office waits."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from documents.services.cases import letter_send
from documents.services.reminders import supplement_reminders_send
from documents.services.workflow import case_transition
from documents.tasks import supplement_reminders
from documents.tests.fixtures import clerk_of, make_case, make_service
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_to_supplement(pki_dir):
    setup = make_service(symbol="OR")
    applicant = UserFactory(email="anna@example.test")
    case = make_case(setup, applicant, 1)
    clerk = clerk_of(setup)
    today = timezone.localdate()

    def send(days: int):
        return letter_send(
            case=case,
            clerk=clerk,
            kind="supplement",
            title="Wezwanie",
            body="Proszę uzupełnić wniosek.",
            supplement_due=today + dt.timedelta(days=days),
        )

    return case, send, today


def test_a_reminder_goes_once_shortly_before_the_due_date(call_to_supplement, settings):
    settings.DOCUMENTS_SUPPLEMENT_REMINDER_DAYS = 3
    case, send, today = call_to_supplement
    letter = send(10)
    mail.outbox.clear()

    assert supplement_reminders_send(today=today) == 0  # ten days ahead: not yet
    assert supplement_reminders_send(today=today + dt.timedelta(days=8)) == 1
    assert supplement_reminders_send(today=today + dt.timedelta(days=8)) == 0  # only once
    assert supplement_reminders.delay().get() == 0  # the beat task, same rule

    assert [m.to for m in mail.outbox] == [["anna@example.test"]]
    assert case.sign in mail.outbox[0].subject
    due = letter.supplement_due.strftime("%d.%m.%Y")  # dd.mm.rrrr, as everywhere (issue 9)
    assert due in mail.outbox[0].subject and due in mail.outbox[0].body
    assert letter.supplement_due.isoformat() not in mail.outbox[0].body
    letter.refresh_from_db()
    assert letter.reminder_sent_at is not None
    assert AuditEntry.objects.filter(action="documents.supplement_reminder_sent").count() == 1


def test_no_reminder_once_the_case_no_longer_waits(call_to_supplement):
    case, send, today = call_to_supplement
    send(2)
    mail.outbox.clear()
    case_transition(case=case, transition="supplement_received", actor=None)  # answered

    assert supplement_reminders_send(today=today) == 0
    assert mail.outbox == []


def test_a_failed_mail_is_retried_on_the_next_run(call_to_supplement, monkeypatch):
    from documents.services import reminders

    _case, send, today = call_to_supplement
    letter = send(1)

    def refuse(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    assert supplement_reminders_send(today=today) == 0
    letter.refresh_from_db()
    assert letter.reminder_sent_at is None
    monkeypatch.undo()
    assert supplement_reminders_send(today=today) == 1
