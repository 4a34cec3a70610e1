"""Expired non-archival files are announced to the office's archivists for a destruction
decision (issue 17 item 2): once a month while they wait, never destroyed by the job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from documents.models import CaseClosure
from documents.services import archive
from documents.tasks import destruction_due_notice
from documents.tests.fixtures import make_service
from documents.tests.test_archive import _closed
from documents.tests.test_backoffice import clerk_of

pytestmark = pytest.mark.django_db
D = dt.date


def test_archivists_are_told_once_a_month_and_nothing_is_deleted(
    pki_dir, django_capture_on_commit_callbacks
):
    a = make_service(symbol="OR", jrwa="5362")  # B10
    b = make_service(symbol="OR", jrwa="5362")
    archivist = clerk_of(a, role="archivist")
    archivist.email = "archiwum@gliwice.example.test"
    archivist.save()
    admin_b = clerk_of(b, role="office_admin")
    _closed(a, 1, closed_on=D(2014, 3, 3))  # kept until 1 Jan 2025
    _closed(a, 2, closed_on=D(2020, 3, 3))  # until 1 Jan 2031
    _closed(b, 3, closed_on=D(2015, 3, 3))  # office b has no archivist: its admin is told

    with django_capture_on_commit_callbacks(execute=True):
        assert archive.destruction_due_notify(today=D(2026, 11, 30)) == 2
        assert archive.destruction_due_notify(today=D(2026, 11, 30)) == 0
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([archivist.email, admin_b.email])
    to_a = next(m for m in mail.outbox if m.to == [archivist.email])
    assert f"{a.office.name}: okres przechowywania minął dla 1 " in to_a.body
    assert "/backoffice/archiwum/" in to_a.body
    assert CaseClosure.objects.count() == 3  # nothing destroyed

    with django_capture_on_commit_callbacks(execute=True):
        assert archive.destruction_due_notify(today=D(2026, 12, 1)) == 2  # a new month
    assert len(mail.outbox) == 4

    archive.destruction_proposal_create(office=a.office, archivist=archivist, as_of=D(2026, 11, 30))
    assert archive.destruction_due_notify(today=D(2027, 1, 4)) == 1  # only office b waits
    assert destruction_due_notice.apply().get() >= 0
