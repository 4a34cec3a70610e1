"""Helpdesk tickets over HTTP: opening from a page, consent to attach, privacy, the CPD queue,
replies by e-mail (durable), first-response time, FAQ and status page."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from documents.tests.fixtures import make_case, make_service
from portal.helpdesk.models import AnswerTemplate, FaqEntry, NoticeKind, StatusNotice, Ticket
from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from sekap.outbox.models import OutgoingMail
from sekap.outbox.services import mail_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpdesk_staff():
    user = StaffFactory(email="cpd-helpdesk@example.test")
    user.user_permissions.add(Permission.objects.get(codename="work_tickets"))
    return user


def _open(client, user, **extra):
    client.force_login(user)
    data = {"subject": "Nie mogę podpisać", "body": "Błąd przy podpisie.", "page": "/uslugi/5/"}
    return client.post("/pomoc/zgloszenia/nowe/", {**data, **extra})


def test_a_ticket_keeps_the_page_it_was_written_from(client):
    person = UserFactory()
    client.force_login(person)
    page = client.get("/uslugi/?q=budowa")
    assert 'href="/pomoc/zgloszenia/nowe/?strona=/uslugi/"' in page.content.decode()
    form = client.get("/pomoc/zgloszenia/nowe/?strona=/wnioski/robocze/7/krok/dane/")
    assert 'value="/wnioski/robocze/7/krok/dane/"' in form.content.decode()
    response = client.post(
        "/pomoc/zgloszenia/nowe/",
        {"subject": "Błąd", "body": "Opis", "page": "/wnioski/robocze/7/krok/dane/"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pomoc/zgloszenia/{ticket.pk}/"
    assert (ticket.page, ticket.requester, ticket.status) == (
        "/wnioski/robocze/7/krok/dane/",
        person,
        "new",
    )
    assert AuditEntry.objects.filter(action="helpdesk.ticket.opened", actor=person).count() == 1


def test_a_foreign_address_is_not_kept_as_the_page(client):
    _open(client, UserFactory(), page="https://evil.example/x")
    assert Ticket.objects.get().page == ""


def test_own_case_attached_only_with_consent_and_never_anothers(client):
    setup = make_service()
    person, other = UserFactory(), UserFactory()
    own = make_case(setup, person, 1)
    theirs = make_case(setup, other, 2)

    refused = _open(client, person, case=own.pk)
    assert refused.status_code == 400 and not Ticket.objects.exists()
    assert "Zaznacz to pole" in refused.content.decode()

    foreign = _open(client, person, case=theirs.pk, consent="on")
    assert foreign.status_code == 400 and not Ticket.objects.exists()

    ok = _open(client, person, case=own.pk, consent="on")
    assert ok.status_code == 302
    assert Ticket.objects.get().case == own


def test_guessing_anothers_ticket_number_finds_nothing(client):
    owner, stranger = UserFactory(), UserFactory()
    _open(client, owner)
    ticket = Ticket.objects.get()
    client.force_login(stranger)
    assert client.get(f"/pomoc/zgloszenia/{ticket.pk}/").status_code == 404
    assert client.post(f"/pomoc/zgloszenia/{ticket.pk}/", {"body": "x"}).status_code == 404
    assert client.post(f"/pomoc/zgloszenia/{ticket.pk}/zamknij/").status_code == 404
    assert ticket.subject not in client.get("/pomoc/zgloszenia/").content.decode()
    assert ticket.messages.count() == 1 and Ticket.objects.get().status == "new"


def test_the_queue_is_for_helpdesk_staff_only(client):
    clerk = StaffFactory()
    login_with_second_factor(client, clerk)
    assert client.get("/backoffice/pomoc/").status_code == 403
    client.logout()
    client.force_login(UserFactory())
    assert client.get("/backoffice/pomoc/").status_code == 403


def test_staff_reply_is_emailed_sets_first_response_and_the_person_answers(
    client, helpdesk_staff, django_capture_on_commit_callbacks
):
    person = UserFactory(email="anna@example.test")
    _open(client, person)
    ticket = Ticket.objects.get()
    AnswerTemplate.objects.create(title="Podpis", body="Proszę odświeżyć stronę.")

    staff_client = client.__class__()
    login_with_second_factor(staff_client, helpdesk_staff)
    queue = staff_client.get("/backoffice/pomoc/").content.decode()
    assert "Nie mogę podpisać" in queue and "brak od" in queue
    template = AnswerTemplate.objects.get()
    page = staff_client.get(f"/backoffice/pomoc/{ticket.pk}/?szablon={template.pk}")
    assert "\nProszę odświeżyć stronę.</textarea>" in page.content.decode()
    assert "/uslugi/5/" in page.content.decode()

    staff_client.post(
        f"/backoffice/pomoc/{ticket.pk}/", {"action": "assign", "assignee": helpdesk_staff.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/backoffice/pomoc/{ticket.pk}/", {"action": "reply", "body": "Proszę odświeżyć."}
        )
    ticket.refresh_from_db()
    assert ticket.status == "answered" and ticket.assignee == helpdesk_staff
    assert ticket.first_response_at is not None
    assert [m.to for m in mail.outbox] == [["anna@example.test"]]
    assert "Proszę odświeżyć." in mail.outbox[0].body
    assert f"/pomoc/zgloszenia/{ticket.pk}/" in mail.outbox[0].body
    assert OutgoingMail.objects.get().sent_at is not None

    client.force_login(person)
    seen = client.get(f"/pomoc/zgloszenia/{ticket.pk}/").content.decode()
    assert "Proszę odświeżyć." in seen
    client.post(f"/pomoc/zgloszenia/{ticket.pk}/", {"body": "Nadal nie działa."})
    ticket.refresh_from_db()
    assert ticket.status == "waiting"
    first = ticket.first_response_at
    staff_client.post(f"/backoffice/pomoc/{ticket.pk}/", {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.first_response_at == first
    actions = set(
        AuditEntry.objects.filter(target_type="helpdesk.ticket").values_list("action", flat=True)
    )
    assert actions == {
        "helpdesk.ticket.opened",
        "helpdesk.ticket.assigned",
        "helpdesk.ticket.replied",
        "helpdesk.ticket.status",
    }


def test_a_reply_mail_that_fails_is_sent_by_the_sweep(
    client, helpdesk_staff, monkeypatch, django_capture_on_commit_callbacks
):
    person = UserFactory()
    _open(client, person)
    ticket = Ticket.objects.get()

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("sekap.outbox.services.EmailMessage.send", down)
    from portal.helpdesk import services

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=helpdesk_staff, body="Odpowiedź")
    queued = OutgoingMail.objects.get()
    assert queued.sent_at is None and queued.attempts == 1 and mail.outbox == []
    monkeypatch.undo()
    assert mail_sweep() == 0  # not due yet: the backoff holds it
    later = timezone.now() + dt.timedelta(minutes=3)
    assert mail_sweep(now=later) == 1
    assert mail_sweep(now=later) == 0  # idempotent
    assert len(mail.outbox) == 1


def test_faq_and_status_page(client):
    FaqEntry.objects.create(question="Jak podpisać wniosek?", answer="Profilem SEKAP.")
    FaqEntry.objects.create(question="Ukryte", answer="x", published=False)
    now = timezone.now()
    StatusNotice.objects.create(
        kind=NoticeKind.PLANNED,
        title="Prace serwisowe",
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=2),
    )
    StatusNotice.objects.create(kind=NoticeKind.INCIDENT, title="Brak płatności", starts_at=now)
    faq = client.get("/pomoc/").content.decode()
    assert "Jak podpisać wniosek?" in faq and "Ukryte" not in faq
    status = client.get("/status/").content.decode()
    assert status.index("Brak płatności") < status.index("Prace serwisowe")
    assert "Wszystkie usługi działają" not in status
