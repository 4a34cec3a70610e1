"""The helpdesk's share of the data-subject rights, given through SEKAP_SUBJECT_DATA and
SEKAP_SUBJECT_ERASERS: the export holds the person's tickets only; erasure removes them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from portal.helpdesk.models import Ticket, TicketMessage
from portal.helpdesk.services import ticket_open
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_tickets_are_exported_for_their_owner_only_and_erased_with_the_account(client):
    anna, other = UserFactory(), UserFactory()
    mine = ticket_open(requester=anna, subject="Nie działa podpis", body="Opis Anny")
    theirs = ticket_open(requester=other, subject="Cudze zgłoszenie", body="Opis innej osoby")
    client.force_login(anna)
    archive = zipfile.ZipFile(io.BytesIO(client.post("/konto/moje-dane/archiwum/").content))
    data = json.loads(archive.read("dane.json"))
    assert [t["number"] for t in data["helpdesk_tickets"]] == [mine.pk]
    assert data["helpdesk_tickets"][0]["messages"][0]["text"] == "Opis Anny"
    assert "Cudze" not in json.dumps(data, ensure_ascii=False)

    assert client.post("/konto/moje-dane/usun/", {"confirm": "yes"}).status_code == 302
    assert list(Ticket.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not TicketMessage.objects.filter(body="Opis Anny").exists()
