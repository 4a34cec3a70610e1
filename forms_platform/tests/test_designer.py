"""The designer used through HTTP as a CPD administrator would, without JavaScript."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission

from forms_platform.models import FormTemplate, FormVersion, VersionStatus
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

BASE = "/backoffice/forms/"


@pytest.fixture
def admin_client(client):
    user = StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="manage_forms"))
    login_with_second_factor(client, user)
    client.user = user
    return client


def test_only_form_managers_may_design(client):
    assert client.get(BASE).status_code == 302  # to the login page
    staff = StaffFactory()
    login_with_second_factor(client, staff)
    assert client.get(BASE).status_code == 403


def test_designer_journey(admin_client):
    c = admin_client
    r = c.post(
        BASE,
        {
            "op": "create",
            "create-name": "Wniosek o dofinansowanie",
            "create-slug": "dofinansowanie",
            "create-code": "DOF-1",
            "create-scope": "local",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"{BASE}dofinansowanie/v1/"
    url = r["Location"]
    assert (
        c.post(url, {"op": "step_add", "step-key": "dane", "step-title": "Dane"}).status_code == 302
    )
    r = c.post(
        url,
        {
            "op": "field_add",
            "field-step": "dane",
            "field-type": "person",
            "field-name": "Wnioskodawca",
            "field-label": "Wnioskodawca",
            "field-required": "on",
        },
    )
    assert r["Location"] == f"{url}fields/Wnioskodawca/"
    r = c.post(
        url,
        {
            "op": "field_add",
            "field-step": "dane",
            "field-type": "choice",
            "field-name": "Cel",
            "field-label": "Cel",
            "field-required": "on",
        },
    )
    r = c.post(
        r["Location"],
        {
            "f-name": "Cel",
            "f-label": "Cel dofinansowania",
            "f-label_en": "Purpose",
            "f-options": "remont|Remont\nzakup|Zakup sprzętu",
            "f-required": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    c.post(
        url,
        {
            "op": "field_add",
            "field-step": "dane",
            "field-type": "money",
            "field-name": "Kwota",
            "field-label": "Kwota",
        },
    )
    r = c.post(
        f"{url}fields/Kwota/",
        {
            "f-name": "Kwota",
            "f-label": "Kwota",
            "f-required_if": 'Cel == "zakup"',
            "f-min_value": "100",
        },
    )
    assert r.status_code == 302
    # a bad rule is refused with a message
    r = c.post(
        f"{url}fields/Kwota/", {"f-name": "Kwota", "f-label": "Kwota", "f-visible_if": "Cel =="}
    )
    assert r.status_code == 400 and "Reguła jest błędna" in r.content.decode()
    # reorder: Kwota up above Cel, then back
    c.post(url, {"op": "field_up", "path": "Kwota"})
    draft = FormVersion.objects.get(template__slug="dofinansowanie")
    assert [f["name"] for f in draft.definition["steps"][0]["fields"]] == [
        "Wnioskodawca",
        "Kwota",
        "Cel",
    ]
    c.post(url, {"op": "field_down", "path": "Kwota"})

    # preview: the citizen's form, errors, then the document
    page = c.get(f"{url}preview/").content.decode()
    assert "Cel dofinansowania" in page and 'name="Wnioskodawca__pesel"' in page
    r = c.post(
        f"{url}preview/",
        {
            "Wnioskodawca__first_name": "Jan",
            "Wnioskodawca__last_name": "Nowak",
            "Wnioskodawca__pesel": "44051401358",
            "Cel": "zakup",
        },
    )
    page = r.content.decode()
    assert 'class="error-summary"' in page
    assert "Numer PESEL ma błędną cyfrę kontrolną." in page
    assert "To pole jest wymagane ze względu na wcześniejsze odpowiedzi." in page
    r = c.post(
        f"{url}preview/",
        {
            "Wnioskodawca__first_name": "Jan",
            "Wnioskodawca__last_name": "Nowak",
            "Wnioskodawca__pesel": "44051401359",
            "Cel": "zakup",
            "Kwota": "1500,00",
        },
    )
    page = r.content.decode()
    assert (
        'class="dokument"' in page and "1\u00a0500,00\u00a0zł" in page and "Zakup sprzętu" in page
    )

    # validate, publish
    assert "kompletny" in c.post(url, {"op": "validate"}, follow=True).content.decode()
    r = c.post(url, {"op": "publish", "publish-valid_from": ""})
    assert r.status_code == 302
    version = FormVersion.objects.get(template__slug="dofinansowanie")
    assert version.status == VersionStatus.PUBLISHED and version.identifier

    # the published version refuses edits, and nothing changes
    before = version.definition
    r = c.post(url, {"op": "field_remove", "path": "Kwota"}, follow=True)
    assert "nie można jej już zmienić" in r.content.decode()
    version.refresh_from_db()
    assert version.definition == before
    assert (
        AuditEntry.objects.filter(action="forms.version_published", actor_id=c.user.pk).count() == 1
    )


def test_export_and_import_through_the_designer(admin_client):
    c = admin_client
    c.post(
        BASE,
        {"op": "create", "create-name": "Prosty", "create-slug": "prosty", "create-scope": "local"},
    )
    url = f"{BASE}prosty/v1/"
    c.post(url, {"op": "step_add", "step-key": "a", "step-title": "A"})
    c.post(
        url,
        {
            "op": "field_add",
            "field-step": "a",
            "field-type": "text",
            "field-name": "Tekst",
            "field-label": "Tekst",
        },
    )
    c.post(url, {"op": "publish"})
    archive = c.get(f"{BASE}prosty/export.zip")
    assert archive["Content-Type"] == "application/zip"
    data = archive.content
    FormTemplate.objects.filter(slug="prosty").delete()
    upload = io.BytesIO(data)
    upload.name = "prosty.zip"
    r = c.post(BASE, {"op": "import", "import-archive": upload})
    assert r.status_code == 302
    assert c.get(f"{BASE}prosty/export.zip").content == data
    # importing again is refused with a message
    upload.seek(0)
    r = c.post(BASE, {"op": "import", "import-archive": upload})
    assert "już istnieje" in r.content.decode()


def test_the_designer_offers_the_declaration_and_the_signature_rule(admin_client):
    c = admin_client
    c.post(
        BASE,
        {
            "op": "create",
            "create-name": "Petycja testowa",
            "create-slug": "petycja-testowa",
            "create-scope": "local",
        },
    )
    url = f"{BASE}petycja-testowa/v1/"
    c.post(url, {"op": "step_add", "step-key": "dane", "step-title": "Dane"})
    page = c.get(url).content.decode()
    assert '<option value="declaration">' in page
    c.post(
        url,
        {
            "op": "field_add",
            "field-step": "dane",
            "field-type": "declaration",
            "field-name": "Oswiadczenie",
            "field-label": "Oświadczam, że dane są zgodne z prawdą.",
        },
    )
    version = FormVersion.objects.get(template__slug="petycja-testowa")
    field = version.definition["steps"][0]["fields"][0]
    assert field == {
        "name": "Oswiadczenie",
        "type": "declaration",
        "label": "Oświadczam, że dane są zgodne z prawdą.",
        "required": True,
    }
    box = page[page.index('name="desc-signature_required"') :]
    assert " checked" in box[: box.index(">")]  # ticked by default
    r = c.post(url, {"op": "description", "desc-title": "Petycja testowa"})  # box unticked
    assert r.status_code == 302, r.content.decode()[:2000]
    version.refresh_from_db()
    assert version.description["signature_required"] is False


class _InfectedClamd:
    """Stands in for the clamd client: flags every stream it is sent."""

    def instream(self, stream) -> dict:
        stream.read()
        return {"stream": ("FOUND", "Fake.EICAR")}


def test_an_archive_flagged_by_the_virus_scanner_is_refused(admin_client, settings, monkeypatch):
    from sekap import antivirus

    settings.CLAMD_SOCKET = "/fake/clamd.sock"
    monkeypatch.setattr(antivirus, "_client", _InfectedClamd)
    upload = io.BytesIO(b"PK\x05\x06" + b"\0" * 18)
    upload.name = "zly.zip"
    r = admin_client.post(BASE, {"op": "import", "import-archive": upload})
    assert r.status_code == 200
    assert "Plik „zly.zip” zawiera złośliwe oprogramowanie (Fake.EICAR)" in r.content.decode()
    assert not FormTemplate.objects.exists()


def test_archive_import_refused_while_the_virus_scanner_is_down(admin_client, settings):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    settings.CLAMD_HOST = ""
    upload = io.BytesIO(b"PK\x05\x06" + b"\0" * 18)
    upload.name = "szablon.zip"
    r = admin_client.post(BASE, {"op": "import", "import-archive": upload})
    assert r.status_code == 200
    assert "Nie można teraz sprawdzić plików programem antywirusowym" in r.content.decode()
    assert not FormTemplate.objects.exists()
