"""Scans stored before clamd checked uploads (or while it was off) are checked afterwards: by
the beat task and ``manage.py documents_scans_recheck``; idempotent, audited, and an infected
scan is never served again."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from documents.models import RegisterScan
from documents.services.register import paper_register, scans_recheck
from documents.tests.test_register_desk import base, registry
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain
from tests.support import EICAR

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("L", (200, 100), 255).save(out, "JPEG")
    return out.getvalue()


def _stored_unchecked(setup, clerk, content: bytes, name: str, entry=None) -> RegisterScan:
    """A scan as it was stored before the clamd check existed (no outcome recorded)."""
    return RegisterScan.objects.create(
        office=setup.office,
        entry=entry,
        filename=name,
        content_type="image/jpeg",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        uploaded_at=timezone.now(),
        uploaded_by=clerk,
    )


def test_stored_scans_are_checked_once_and_the_infected_one_is_withheld(
    client, setup, clamd_running
):
    clerk = registry(setup, client)
    entry = paper_register(
        office=setup.office,
        clerk=clerk,
        correspondent=_sender(setup, clerk),
        department=setup.department,
        title="Pismo",
        channel="post",
    )
    clean = _stored_unchecked(setup, clerk, _jpeg(), "stary.jpg")
    infected = _stored_unchecked(setup, clerk, EICAR, "zly.jpg", entry=entry)
    assert client.get(f"{base(setup)}/skany/{infected.pk}/").status_code == 200  # before

    out = io.StringIO()
    call_command("documents_scans_recheck", stdout=out)
    assert out.getvalue().strip() == "clean 1, malware 1, left 0"
    clean.refresh_from_db()
    infected.refresh_from_db()
    assert clean.virus_checked_at is not None and clean.malware == ""
    assert infected.virus_checked_at is not None and "Sekap.Test.EICAR" in infected.malware
    assert client.get(f"{base(setup)}/skany/{infected.pk}/").status_code == 404
    assert client.get(f"{base(setup)}/skany/{clean.pk}/").status_code == 200
    page = client.get(f"{base(setup)}/pozycje/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "zly.jpg <strong>(contains malware, not shown)</strong>" in page.content.decode()
    quarantined = AuditEntry.objects.get(action="documents.scan_quarantined")
    assert quarantined.target_id == str(infected.pk) and quarantined.after["entry"] == entry.pk
    assert AuditEntry.objects.filter(action="documents.scan_checked").count() == 1

    # a second run (or the beat task) finds nothing due and writes nothing
    audited = AuditEntry.objects.count()
    again = scans_recheck()
    assert (again.clean, again.malware, again.left, again.stopped) == (0, 0, 0, False)
    assert AuditEntry.objects.count() == audited
    assert verify_chain() is None


def test_a_new_upload_records_its_check(client, setup, clamd_running):
    registry(setup, client)
    upload = io.BytesIO(_jpeg())
    upload.name = "nowy.jpg"
    client.post(f"{base(setup)}/skany/", {"scan": upload})
    assert RegisterScan.objects.get().virus_checked_at is not None
    assert scans_recheck().clean == 0
    from documents import tasks

    assert tasks.scans_recheck.apply().get() == {"clean": 0, "malware": 0, "left": 0}


def test_scans_stay_due_while_clamd_does_not_answer(client, setup, settings):
    clerk = registry(setup, client)
    scan = _stored_unchecked(setup, clerk, _jpeg(), "stary.jpg")
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    with pytest.raises(CommandError, match="clamd stopped answering"):
        call_command("documents_scans_recheck", stdout=io.StringIO())
    scan.refresh_from_db()
    assert scan.virus_checked_at is None
    assert not AuditEntry.objects.filter(action__startswith="documents.scan_").exists()
    counts = scans_recheck()
    assert (counts.stopped, counts.left) == (True, 1)


def test_nothing_is_checked_while_scanning_is_off(client, setup, settings):
    clerk = registry(setup, client)
    scan = _stored_unchecked(setup, clerk, EICAR, "zly.jpg")
    settings.CLAMD_SOCKET, settings.CLAMD_HOST = "", ""
    with pytest.raises(CommandError, match="not configured"):
        call_command("documents_scans_recheck", stdout=io.StringIO())
    scan.refresh_from_db()
    assert scan.virus_checked_at is None and scan.malware == ""


def _sender(setup, clerk):
    from documents.services.register import CorrespondentDetails, correspondent_find_or_create

    return correspondent_find_or_create(
        office=setup.office, details=CorrespondentDetails(last_name="Nowak"), actor=clerk
    )


def test_the_beat_task_checks_and_retries_while_clamd_does_not_answer(client, setup, settings):
    from celery.exceptions import Retry

    from documents import tasks

    clerk = registry(setup, client)
    scan = _stored_unchecked(setup, clerk, _jpeg(), "stary.jpg")
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    with pytest.raises(Retry):
        tasks.scans_recheck.apply(throw=True).get()
    scan.refresh_from_db()
    assert scan.virus_checked_at is None
