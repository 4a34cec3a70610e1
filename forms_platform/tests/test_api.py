"""The public API: list, version detail, server-side validation."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from lxml import etree

from forms_platform import selectors, services
from forms_platform.xsd import load_schema

from .factories import ADDRESSEE, PDF_BYTES, SENDER, make_published, make_template

pytestmark = pytest.mark.django_db

GOOD = {
    "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
    "Kwota": 12550,
    "DataZdarzenia": "2024-01-15",
    "Rodzaj": "inna",
    "Opis": "Opis sprawy",
    "Skan": [{"name": "skan.pdf", "content_base64": base64.b64encode(PDF_BYTES).decode()}],
}


def test_list_shows_only_templates_with_a_version_in_force(client):
    version = make_published()
    make_template(slug="szkic")
    response = client.get("/api/v1/forms/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["slug"] for r in results] == ["wniosek-testowy"]
    assert results[0]["current_version"]["identifier"] == version.identifier


def test_version_detail_has_definition_xsd_and_xsl(client):
    version = make_published()
    body = client.get("/api/v1/forms/wniosek-testowy/versions/1").json()
    assert body["identifier"] == version.identifier
    assert body["definition"] == version.definition
    assert body["xsd"] == version.xsd and body["xsl"] == version.xsl
    response = client.get("/api/v1/forms/wniosek-testowy/versions/1/schemat.xsd")
    assert response.status_code == 200 and response.content.decode() == version.xsd


def test_drafts_are_not_public(client):
    make_template()
    assert client.get("/api/v1/forms/wniosek-testowy/versions/1").status_code == 404


def test_validate_returns_field_errors_as_problem_details(client):
    make_published()
    bad = {**GOOD, "Wnioskodawca": {**GOOD["Wnioskodawca"], "pesel": "44051401358"}, "Opis": ""}
    response = client.post(
        "/api/v1/forms/wniosek-testowy/versions/1/validate",
        {"data": bad},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "forms.data_invalid"
    assert body["errors"] == {
        "Wnioskodawca.pesel": ["The PESEL number has a wrong check digit."],
        "Opis": ["This field is required because of your earlier answers."],
    }


def test_validate_in_polish_by_default(client):
    make_published()
    bad = {**GOOD, "Wnioskodawca": {**GOOD["Wnioskodawca"], "pesel": "44051401358"}}
    body = client.post(
        "/api/v1/forms/wniosek-testowy/versions/1/validate",
        {"data": bad},
        content_type="application/json",
    ).json()
    assert body["errors"]["Wnioskodawca.pesel"] == ["Numer PESEL ma błędną cyfrę kontrolną."]


def test_validate_returns_the_document(client):
    version = make_published()
    response = client.post(
        "/api/v1/forms/wniosek-testowy/versions/1/validate",
        {"data": GOOD, "sender": SENDER, "addressee": ADDRESSEE},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True
    assert body["data"]["Kwota"] == 12550 and body["data"]["DataZdarzenia"] == "2024-01-15"
    xml = base64.b64decode(body["document_base64"])
    assert load_schema(version.xsd).validate(etree.fromstring(xml))
    identifier, data = selectors.parse_document(xml)
    assert identifier == version.identifier
    assert data["Skan"][0].content == PDF_BYTES
    assert data["DataZdarzenia"] == dt.date(2024, 1, 15)


def test_withdrawn_version_is_no_longer_listed_but_still_readable(client):
    version = make_published()
    services.version_withdraw(actor=None, version=version)
    assert client.get("/api/v1/forms/").json()["results"] == []
    assert client.get("/api/v1/forms/wniosek-testowy/versions/1").status_code == 200
