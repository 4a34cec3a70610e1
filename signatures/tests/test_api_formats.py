"""The validation API takes a PDF, a file with its detached XAdES, and returns the JSON report
or the ETSI TS 119 102-2 XML report of the same validation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from signatures.etsi_report import schema_errors
from signatures.tests.pdfs import make_pdf, sign_pdf
from signatures.tests.test_detached import xmlsec1_detached

URL = "/api/v1/signatures/validate"
pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_pdf(pki) -> bytes:
    return sign_pdf(make_pdf(1), key=pki.signer.key, chain=[pki.signer.cert, pki.ca.cert])


def test_api_validates_a_signed_pdf_sent_as_the_body(client, sekap_trust, signed_pdf) -> None:
    response = client.post(URL, data=signed_pdf, content_type="application/pdf")

    assert response.status_code == 200
    body = response.json()
    assert body["indication"] == "TOTAL_PASSED", body
    assert body["signatures"][0]["signature_level"] == "PAdES-BASELINE-B-B"


def test_api_returns_the_etsi_report_of_a_pdf(client, sekap_trust, signed_pdf) -> None:
    response = client.post(f"{URL}?report=etsi", data=signed_pdf, content_type="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert schema_errors(response.content) == []
    assert b"urn:etsi:019102:mainindication:total-passed" in response.content


@pytest.mark.usefixtures("xmlsec1_installed")
def test_api_validates_a_file_with_its_detached_signature(
    client, sekap_trust, pki, tmp_path
) -> None:
    pdf = make_pdf(1)
    xades = xmlsec1_detached(tmp_path, pki, {"wniosek.pdf": pdf}, ["wniosek.pdf"])

    def post(content: bytes):
        return client.post(
            URL,
            data={
                "document": SimpleUploadedFile("wniosek.pdf", content, "application/pdf"),
                "signature": SimpleUploadedFile("wniosek.pdf.xades", xades, "application/xml"),
            },
        ).json()

    assert post(pdf)["indication"] == "TOTAL_PASSED"
    other = post(make_pdf(1, text="Inny dokument"))
    assert (other["indication"], other["sub_indication"]) == ("TOTAL_FAILED", "HASH_FAILURE")
