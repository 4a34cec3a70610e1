"""The catalogue, filling in step by step with drafts, signing three ways and sending."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from documents.models import Receipt, Submission
from portal.models import Draft
from portal.services import drafts as services
from portal.tests.fixtures import PDF, STEP1, STEP2, STEP3, certificate_holder, step_post
from sekap.accounts.tests.factories import UserFactory
from signatures import services as signatures

pytestmark = pytest.mark.django_db


def test_catalogue_search_ignores_diacritics_and_filters_by_office(client, catalogue):
    html = client.get("/uslugi/", {"q": "zaswiadczenia", "urzad": "2410053"}).content.decode()
    assert f'href="/uslugi/{catalogue.other.pk}/"' in html
    assert f'href="/uslugi/{catalogue.service.pk}/"' not in html
    html = client.get("/uslugi/", {"q": "ZAŚWIADCZENIA", "urzad": "2466011"}).content.decode()
    assert f'href="/uslugi/{catalogue.service.pk}/"' in html
    html = client.get(
        "/uslugi/",
        {
            "kategoria": "Ewidencja ludności",
            "zdarzenie": "Załatwianie formalności",
            "urzad": "2466011",
        },
    ).content.decode()
    assert f'href="/uslugi/{catalogue.service.pk}/"' in html
    html = client.get("/uslugi/", {"kategoria": "Ewidencja ludności"}).content.decode()
    # one entry for the form, the offices that offer it within
    assert html.count(f'<h3 class="result-title">{catalogue.service.title}</h3>') == 1
    assert f'href="/uslugi/{catalogue.service.pk}/"' in html
    assert f'href="/uslugi/{catalogue.other.pk}/"' in html


def test_service_page_shows_fee_deadline_and_required_attachments(client, catalogue):
    html = client.get(f"/uslugi/{catalogue.service.pk}/").content.decode()
    assert "Dowód zapłaty opłaty skarbowej (17 zł)" in html
    assert "17,00 zł" in html
    assert "w ciągu 7 dni" in html
    assert catalogue.service.office.name in html and catalogue.service.department.name in html


def fill(client, catalogue, *, upload=True) -> Draft:
    response = client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    assert response["Location"] == f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/"
    assert client.post(response["Location"], step_post(**STEP1)).status_code == 302
    files = (
        {"DowodOplaty": SimpleUploadedFile("oplata.pdf", PDF, "application/pdf")} if upload else {}
    )
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/krok/zaswiadczenie/", {**step_post(**STEP2), **files}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(f"/wnioski/robocze/{draft.pk}/krok/oswiadczenia/", step_post(**STEP3))
    assert response["Location"] == f"/wnioski/robocze/{draft.pk}/podglad/"
    draft.refresh_from_db()
    return draft


def test_steps_validate_on_the_server_and_every_step_is_saved(en_client, catalogue):
    client = en_client
    user = UserFactory(pesel="44051401359")
    client.force_login(user)
    client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.get(owner=user)
    url = f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/"
    assert 'value="44051401359"' in client.get(url).content.decode()  # from the profile
    response = client.post(url, step_post(**{**STEP1, "Wnioskodawca__pesel": "44051401358"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    draft.refresh_from_db()
    assert draft.data == {} and draft.completed_steps == []
    response = client.post(url, {**STEP1, "action": "save"})
    assert response["Location"] == "/wnioski/robocze/"
    draft.refresh_from_db()
    assert draft.data["Wnioskodawca"]["pesel"] == "44051401359"
    assert "wnioskodawca" in draft.completed_steps
    assert draft.service.title in client.get("/wnioski/robocze/").content.decode()
    # the attachment step: a required file missing, then a file that is not what it says
    step2 = f"/wnioski/robocze/{draft.pk}/krok/zaswiadczenie/"
    assert client.post(step2, step_post(**STEP2)).status_code == 400
    fake = SimpleUploadedFile("oplata.pdf", b"GIF89a not a pdf", "application/pdf")
    response = client.post(step2, {**step_post(**STEP2), "DowodOplaty": fake})
    assert "is not what its name says" in response.content.decode()


def test_preview_then_trusted_profile_signature_then_send_once(
    client, catalogue, verified, platform_trust
):
    client.force_login(verified)
    draft = fill(client, catalogue)
    preview = client.get(f"/wnioski/robocze/{draft.pk}/podglad/").content.decode()
    assert "Potwierdzenie zameldowania na pobyt stały." in preview and "oplata.pdf" in preview
    assert (
        client.post(f"/wnioski/robocze/{draft.pk}/podglad/")["Location"]
        == f"/wnioski/robocze/{draft.pk}/podpis/"
    )
    response = client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    assert response["Location"] == f"/wnioski/robocze/{draft.pk}/wyslij/"
    draft.refresh_from_db()
    report = signatures.validate(bytes(draft.signed_document))
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].trusted_profile.pesel == "44051401359"
    assert services.same_document(bytes(draft.document), bytes(draft.signed_document))

    key = str(draft.idempotency_key)
    first = client.post(f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": key})
    second = client.post(f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": key})
    submission = Submission.objects.get()
    assert first["Location"] == second["Location"] == f"/wnioski/{submission.public_id}/"
    assert bytes(submission.document) == bytes(draft.signed_document)
    page = client.get(first["Location"]).content.decode()
    assert str(submission.public_id) in page and "upo.xml" in page
    upo = client.get(f"/wnioski/{submission.public_id}/upo.xml")
    assert upo.content == bytes(Receipt.objects.get(submission=submission).xml)
    assert signatures.validate(upo.content).indication == "TOTAL_PASSED"
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert "wyslij" not in client.get("/wnioski/robocze/").content.decode()


def test_trusted_profile_needs_a_verified_identity(client, catalogue, platform_trust):
    user = UserFactory(pesel="44051401359")
    client.force_login(user)
    draft = fill(client, catalogue)
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    draft.refresh_from_db()
    assert draft.status == "ready" and not draft.signed_document


def test_upload_of_the_document_signed_elsewhere_must_be_the_same_document(
    client, catalogue, ca, sekap_trust
):
    user = UserFactory(pesel="44051401359", first_name="Jan", last_name="Kowalski")
    holder = certificate_holder(ca, user=user)
    client.force_login(user)
    draft = fill(client, catalogue)
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    xml = client.get(f"/wnioski/robocze/{draft.pk}/dokument.xml").content
    draft.refresh_from_db()
    assert hashlib.sha256(xml).hexdigest() == draft.document_sha256

    changed = xml.replace(b"do banku", b"do sadu")
    url = f"/wnioski/robocze/{draft.pk}/podpis/"
    upload = lambda data: client.post(  # noqa: E731
        url,
        {"method": "upload", "signed_file": SimpleUploadedFile("w.xml", data, "application/xml")},
    )
    response = upload(holder.sign(changed))
    assert response.status_code == 400 and 'class="error-summary"' in response.content.decode()
    response = upload(xml)  # not signed at all
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "ready"
    signed = holder.sign(xml)
    assert upload(signed)["Location"] == f"/wnioski/robocze/{draft.pk}/wyslij/"
    draft.refresh_from_db()
    assert draft.status == "signed" and bytes(draft.signed_document) == signed


def test_same_document_ignores_only_the_signature():
    prepared = b'<?xml version="1.0"?><a:D xmlns:a="urn:x"><a:B>1</a:B></a:D>'
    ds = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X/></ds:Signature>'
    assert services.same_document(prepared, prepared.replace(b"</a:D>", b"\n" + ds + b"</a:D>"))
    assert not services.same_document(
        prepared, prepared.replace(b"1</a:B>", b"2</a:B>").replace(b"</a:D>", ds + b"</a:D>")
    )
    assert not services.same_document(prepared, prepared.replace(b"</a:D>", ds + b"extra</a:D>"))
    assert not services.same_document(
        prepared, prepared.replace(b"</a:D>", b"<a:C/>" + ds + b"</a:D>")
    )
    with pytest.raises(services.NotSigned):
        services.same_document(prepared, prepared)
    assert etree  # lxml is what both sides are parsed with


def test_changing_an_answer_after_signing_drops_the_signature(
    client, catalogue, verified, platform_trust
):
    client.force_login(verified)
    draft = fill(client, catalogue)
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    client.post(
        f"/wnioski/robocze/{draft.pk}/krok/oswiadczenia/",
        step_post(**{**STEP3, "MiejscowoscDokumentu": "Zabrze"}),
    )
    draft.refresh_from_db()
    assert draft.status == "filling" and draft.signed_document is None and draft.document is None
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": str(draft.idempotency_key)}
    )
    assert response["Location"] == f"/wnioski/robocze/{draft.pk}/podpis/"
    assert not Submission.objects.exists()


def test_list_pages_take_the_same_number_of_queries_for_more_rows(client, catalogue, verified):
    client.force_login(verified)

    def queries(path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    services.draft_start(user=verified, service=catalogue.service)
    one = {path: queries(path) for path in ("/wnioski/robocze/", "/uslugi/")}
    for _ in range(3):
        services.draft_start(user=verified, service=catalogue.other)
    assert {path: queries(path) for path in one} == one


def test_pages_are_available_in_english(en_client, catalogue):
    html = en_client.get(f"/uslugi/{catalogue.service.pk}/").content.decode()
    assert '<html lang="en">' in html
    assert "Required attachments" in html and "Log in to start" in html
    html = en_client.get("/konto/rejestracja/").content.decode()
    assert "Create an account" in html and "Kind of account" in html
