"""Malware scanning of form attachments (issue 10, item 10) with a real clamd.

CI's second pass starts clamd with a minimal local signature database (.ci/start-clamd: one
signature, for the EICAR test file); elsewhere these tests need CLAMD_SOCKET or are skipped.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Draft
from portal.tests.fixtures import PDF, STEP1, STEP2, step_post
from sekap import antivirus
from sekap.accounts.tests.factories import UserFactory
from tests.support import EICAR

pytestmark = pytest.mark.django_db


def _draft_at_attachment_step(client, catalogue) -> tuple[Draft, str]:
    client.force_login(UserFactory(pesel="44051401359"))
    client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    client.post(f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/", step_post(**STEP1))
    return draft, f"/wnioski/robocze/{draft.pk}/krok/zaswiadczenie/"


def test_eicar_attachment_refused_and_nothing_stored(en_client, catalogue, clamd_running):
    draft, step = _draft_at_attachment_step(en_client, catalogue)
    infected = SimpleUploadedFile("oplata.pdf", EICAR, "application/pdf")
    response = en_client.post(step, {**step_post(**STEP2), "DowodOplaty": infected})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file “oplata.pdf” contains malware (Sekap.Test.EICAR" in html
    draft.refresh_from_db()
    assert "DowodOplaty" not in draft.data and "zaswiadczenie" not in draft.completed_steps
    # A clean file on the same step is accepted and kept.
    clean = SimpleUploadedFile("oplata.pdf", PDF, "application/pdf")
    response = en_client.post(step, {**step_post(**STEP2), "DowodOplaty": clean})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [a["name"] for a in draft.data["DowodOplaty"]] == ["oplata.pdf"]


def test_service_scan_answers(clamd_running):
    antivirus.scan(content=PDF, name="clean.pdf")
    with pytest.raises(antivirus.MalwareFound) as found:
        antivirus.scan(content=EICAR, name="eicar.com")
    assert found.value.code == "antivirus.malware_found"
    assert clamd_running.detail.startswith("ClamAV ")


def test_configured_but_unreachable_clamd_refuses_uploads(en_client, catalogue, settings):
    """Fail closed: with scanning configured and clamd down, nothing unscanned is accepted."""
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    settings.CLAMD_HOST = ""
    draft, step = _draft_at_attachment_step(en_client, catalogue)
    clean = SimpleUploadedFile("oplata.pdf", PDF, "application/pdf")
    response = en_client.post(step, {**step_post(**STEP2), "DowodOplaty": clean})
    assert response.status_code == 400
    assert "cannot be checked for viruses right now" in response.content.decode()
    draft.refresh_from_db()
    assert "DowodOplaty" not in draft.data


def test_scanning_off_in_the_embedded_default(settings):
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    assert antivirus.enabled() is False
    antivirus.scan(content=EICAR, name="eicar.com")  # not configured: not scanned
    assert antivirus.status().detail.startswith("ClamAV is not configured")


def test_infected_power_of_attorney_refused_and_nothing_stored(en_client, clamd_running):
    from portal.tests.test_business import COMPANY
    from sekap.accounts.models import Representation

    en_client.force_login(UserFactory(kind="business"))
    infected = SimpleUploadedFile("pelnomocnictwo.pdf", EICAR)
    response = en_client.post("/konto/firmy/", {**COMPANY, "power_of_attorney": infected})
    assert response.status_code == 200
    assert "The file “pelnomocnictwo.pdf” contains malware" in response.content.decode()
    assert not Representation.objects.exists()


def test_infected_upload_in_place_of_the_signed_document_refused(
    en_client, catalogue, clamd_running
):
    from portal.tests.test_applications import fill

    en_client.force_login(UserFactory(pesel="44051401359"))
    draft = fill(en_client, catalogue)
    en_client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    infected = SimpleUploadedFile("w.xml", EICAR, "application/xml")
    response = en_client.post(
        f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "upload", "signed_file": infected}
    )
    assert response.status_code == 400
    assert "The file “w.xml” contains malware" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.signed_document
