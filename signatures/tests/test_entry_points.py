from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from signatures import cli
from signatures.tests.corpus.build import BASE

URL = "/api/v1/signatures/validate"


@pytest.mark.django_db
def test_api_raw_xml(client, corpus, sekap_trust) -> None:
    response = client.post(URL, data=corpus["valid_b_b"].data, content_type="application/xml")
    assert response.status_code == 200
    body = response.json()
    assert body["indication"] == "TOTAL_PASSED"
    assert body["signatures"][0]["signed_by"]["pesel"] == "44051401359"


@pytest.mark.django_db
def test_api_multipart(client, corpus, sekap_trust) -> None:
    upload = SimpleUploadedFile("doc.xml", corpus["tampered_content"].data, content_type="text/xml")
    response = client.post(URL, data={"document": upload})
    assert response.status_code == 200
    assert (response.json()["indication"], response.json()["sub_indication"]) == (
        "TOTAL_FAILED",
        "HASH_FAILURE",
    )


@pytest.mark.django_db
def test_api_rejects_non_xml_with_problem_details(client) -> None:
    response = client.post(URL, data=b"neither xml nor pdf", content_type="application/xml")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "signatures.not_xml"


@pytest.mark.django_db
def test_api_rejects_an_unreadable_pdf_with_its_own_problem(client) -> None:
    response = client.post(URL, data=b"%PDF-1.7 not a pdf", content_type="application/pdf")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "signatures.bad_pdf"


@pytest.mark.django_db
def test_api_hostile_xml_gets_a_report_not_an_error(client, corpus) -> None:
    response = client.post(
        URL, data=corpus["dtd_billion_laughs"].data, content_type="application/xml"
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["code"] == "xml.dtd"


@pytest.mark.django_db
def test_api_size_limit(client, settings) -> None:
    settings.SIGNATURES_MAX_DOCUMENT_BYTES = 1000
    response = client.post(URL, data=b"<a>" + b" " * 2000 + b"</a>", content_type="application/xml")
    assert response.status_code == 413
    assert response.json()["code"] == "signatures.too_large"
    upload = SimpleUploadedFile("doc.xml", b"<a>" + b" " * 2000 + b"</a>", content_type="text/xml")
    assert client.post(URL, data={"document": upload}).status_code == 413


@pytest.mark.django_db
def test_verify_page_shows_report(client, corpus, sekap_trust) -> None:
    page = client.get(reverse("signatures:verify"))
    assert page.status_code == 200
    upload = SimpleUploadedFile("doc.xml", corpus["trusted_profile_injected_copy"].data)
    response = client.post(
        reverse("signatures:verify"), data={"document": upload, "format": "html"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "TOTAL_PASSED" in text
    assert "Anna Nowak" in text
    assert "99999999999" not in text


@pytest.mark.django_db
def test_verify_page_requires_a_file(client) -> None:
    response = client.post(reverse("signatures:verify"), data={})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()


@pytest.mark.django_db
def test_verify_page_pdf(client, corpus, sekap_trust) -> None:
    upload = SimpleUploadedFile("doc.xml", corpus["valid_b_b"].data)
    response = client.post(reverse("signatures:verify"), data={"document": upload, "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"), [("valid_b_b", 0), ("tampered_content", 1), ("unknown_ca", 2)]
)
def test_verify_signature_command_exit_codes(
    tmp_path, capsys, corpus, sekap_trust, name, code
) -> None:
    path = tmp_path / "doc.xml"
    path.write_bytes(corpus[name].data)
    if code == 0:
        call_command("verify_signature", str(path), "--json")
        assert json.loads(capsys.readouterr().out)["indication"] == "TOTAL_PASSED"
    else:
        with pytest.raises(SystemExit) as exc:
            call_command("verify_signature", str(path))
        assert exc.value.code == code


def test_cli_sign_and_verify(tmp_path, pki, capsys) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    p12 = tmp_path / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"s",
            pki.signer.key,
            pki.signer.cert,
            [pki.ca.cert],
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    source = tmp_path / "in.xml"
    source.write_bytes(BASE)
    out = tmp_path / "out.xml"
    import os

    os.environ["SEKAP_TEST_P12_PASSWORD"] = "pw"
    try:
        assert (
            cli.main(
                [
                    "sign", str(source), "-o", str(out), "--pkcs12", str(p12),
                    "--password-env", "SEKAP_TEST_P12_PASSWORD", "--level", "B-T",
                    "--tsa-url", f"{pki.base_url}/tsa",
                ]
            )
            == 0
        )  # fmt: skip
    finally:
        del os.environ["SEKAP_TEST_P12_PASSWORD"]
    assert cli.main(["verify", str(out), "--trust-anchor", str(root), "--json"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["signatures"][0]["signature_level"]
        == "XAdES-BASELINE-B-T"
    )
    out.write_bytes(out.read_bytes().replace(b"<Kwota>100<", b"<Kwota>1<"))
    assert cli.main(["verify", str(out), "--trust-anchor", str(root)]) == 1
