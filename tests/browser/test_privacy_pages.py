"""The person's data pages in Chromium, axe on each: the office's privacy notice linked from a
form, "My data" with the archive download, and erasure of an account without records."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from sekap.accounts.models import User
from sekap.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.test_portal_forms import public_information_service

pytestmark = pytest.mark.browser


def test_notice_from_a_form_download_and_erasure(a11y_page):
    service = public_information_service()
    person = UserFactory(email="ola@example.test", first_name="Ola", pesel="")
    page = a11y_page
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(person.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.goto(f"/uslugi/{service.pk}/")
    page.follow(page.get_by_role("button", name="Rozpocznij"))
    page.follow(page.get_by_role("link", name=f"Jak {service.office.name} przetwarza"))
    assert "podmiot przetwarzający" in page.locator("main").inner_text()

    page.follow(page.get_by_role("link", name="Moje dane", exact=True))
    with page.expect_download() as download:
        page.get_by_role("button", name="Pobierz archiwum").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("dane.json"))
    assert data["account"]["email"] == "ola@example.test" and len(data["drafts"]) == 1

    page.get_by_label("Rozumiem, że moje konto zostanie zamknięte na zawsze.").check()
    page.follow(page.get_by_role("button", name="Usuń moje konto"))
    assert "Twoje konto i jego dane zostały usunięte." in page.locator("main").inner_text()
    assert User.objects.get(pk=person.pk).email == f"usuniete-{person.pk}@invalid"
