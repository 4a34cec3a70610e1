"""Answering a helpdesk e-mail by e-mail: the tagged Reply-To, the MTA's pipe into
``helpdesk_mail_in``, and every refusal (forged tag, another sender, automatic replies,
repeated delivery, nothing but quoted text)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command

from portal.helpdesk import services
from portal.helpdesk.mail_addresses import reply_address
from portal.helpdesk.models import Ticket, TicketMessage
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(settings, django_capture_on_commit_callbacks):
    """A ticket the helpdesk answered; the answer went out by e-mail with a tagged Reply-To."""
    settings.HELPDESK_REPLY_ADDRESS = "pomoc@sekap.example"
    person = UserFactory(email="Jan.Kowalski@example.test")
    staff = StaffFactory(email="cpd@example.test")
    staff.user_permissions.add(Permission.objects.get(codename="work_tickets"))
    ticket = services.ticket_open(requester=person, subject="Podpis", body="Nie działa podpis.")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=staff, body="Proszę odświeżyć stronę.")
    return ticket


def _answer(ticket, *, sender=None, to=None, body="Dziękuję, już działa.", **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender or f"Jan Kowalski <{ticket.requester.email}>"
    message["To"] = to or reply_address(ticket=ticket)
    message["Subject"] = f"Re: zgłoszenie nr {ticket.pk}"
    message["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.test")
    message["Return-Path"] = headers.pop("return_path", "<jan.kowalski@example.test>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    quoted = "\n\nW dniu 30.11.2026 o 14:00 pomoc@sekap.example pisze:\n> Proszę odświeżyć stronę."
    message.set_content(body + quoted)
    return bytes(message)


def _deliver(tmp_path, raw: bytes) -> int:
    path = tmp_path / "message.eml"
    path.write_bytes(raw)
    try:
        call_command("helpdesk_mail_in", file=str(path))
    except SystemExit as exit:
        return int(exit.code)
    return 0


def test_the_helpdesk_mail_can_be_answered_at_a_tagged_address(answered):
    sent = mail.outbox[-1]
    assert sent.to == [answered.requester.email]
    assert sent.reply_to == [reply_address(ticket=answered)]
    assert sent.reply_to[0].startswith(f"pomoc+{answered.pk}-")
    assert "replying to this e-mail" in sent.body or "Odpowiedz na tę wiadomość" in sent.body


def test_an_answer_by_mail_joins_the_ticket_without_the_quoted_history(answered, tmp_path):
    assert _deliver(tmp_path, _answer(answered)) == 0
    latest = TicketMessage.objects.filter(ticket=answered).last()
    assert latest.body == "Dziękuję, już działa."
    assert latest.author == answered.requester and not latest.from_helpdesk
    answered.refresh_from_db()
    assert answered.status == "waiting"  # back in the helpdesk's queue
    entry = AuditEntry.objects.filter(action="helpdesk.ticket.replied").order_by("pk").last()
    assert entry.after["channel"] == "email" and entry.actor == answered.requester


def test_a_second_delivery_of_the_same_message_adds_nothing(answered, tmp_path):
    raw = _answer(answered, message_id="<same@example.test>")
    assert _deliver(tmp_path, raw) == 0
    assert _deliver(tmp_path, raw) == 0
    assert TicketMessage.objects.filter(ticket=answered, from_helpdesk=False).count() == 2


def test_a_forged_or_guessed_tag_is_refused_and_stores_nothing(answered, tmp_path):
    other = services.ticket_open(requester=UserFactory(), subject="Inne", body="x")
    forged = reply_address(ticket=answered).replace(f"+{answered.pk}-", f"+{other.pk}-")
    before = TicketMessage.objects.count()
    assert _deliver(tmp_path, _answer(answered, to=forged)) == 67
    assert _deliver(tmp_path, _answer(answered, to="pomoc@sekap.example")) == 67
    assert TicketMessage.objects.count() == before


def test_only_the_person_who_wrote_can_answer_by_mail(answered, tmp_path):
    before = TicketMessage.objects.count()
    assert _deliver(tmp_path, _answer(answered, sender="intruz@example.test")) == 77
    assert TicketMessage.objects.count() == before


def test_automatic_replies_and_bounces_are_dropped_without_a_loop(answered, tmp_path):
    before = TicketMessage.objects.count()
    assert _deliver(tmp_path, _answer(answered, Auto_Submitted="auto-replied")) == 0
    assert _deliver(tmp_path, _answer(answered, return_path="<>")) == 0
    assert TicketMessage.objects.count() == before


def test_an_answer_of_only_quoted_text_is_refused(answered, tmp_path):
    assert _deliver(tmp_path, _answer(answered, body="")) == 65
    assert not TicketMessage.objects.filter(ticket=answered, body="").exists()


def test_an_html_only_answer_keeps_its_text(answered, tmp_path):
    message = EmailMessage()
    message["From"] = answered.requester.email
    message["To"] = reply_address(ticket=answered)
    message["Message-ID"] = make_msgid(domain="example.test")
    message["Return-Path"] = f"<{answered.requester.email}>"
    message.set_content("<p>Działa <b>już</b>.</p>", subtype="html")
    assert _deliver(tmp_path, bytes(message)) == 0
    assert TicketMessage.objects.filter(ticket=answered).last().body == "Działa już."


def test_a_ticket_reply_address_depends_on_its_requester():
    ticket = Ticket(pk=5, requester_id=1)
    same_number_other_person = Ticket(pk=5, requester_id=2)
    assert reply_address(ticket=ticket) != reply_address(ticket=same_number_other_person)
