"""The verify page in plain words: who, when, what kind of certificate, what was signed, the
verdict and its reason; codes only inside the collapsed technical details."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from sekap.datetimes import polish_date, polish_datetime
from signatures import presentation, services, xades
from signatures.report import CertificateInfo, SignatureReport, SignerInfo

URL = "/weryfikacja/"
POLISH_MOMENT = re.compile(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d\b")
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def verify(client, data: bytes, *, language: str = "pl", name: str = "doc.xml"):
    return client.post(
        URL,
        {"document": SimpleUploadedFile(name, data), "format": "html"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def words(html: str) -> tuple[str, str]:
    """(what a person reads at once, what is inside the collapsed technical details)."""
    report = html[html.index('<section aria-labelledby="report-heading">') :]
    details = " ".join(re.findall(r"(?s)<details>(.*?)</details>", report))
    outside = re.sub(r"(?s)<details>.*?</details>", " ", report)

    def text(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())

    return text(outside), text(details)


@pytest.mark.django_db
def test_valid_signature_without_time_stamp_in_plain_polish(client, corpus, sekap_trust):
    response = verify(client, corpus["valid_b_b"].data)
    assert response.status_code == 200
    shown, details = words(response.content.decode())
    assert "Wynik: ważny" in shown
    assert "Podpis 1: ważny" in shown
    assert "Podpisał(a) Jan Kowalski, PESEL 44051401359" in shown
    assert "Rodzaj certyfikatu certyfikat SEKAP osoby" in shown
    assert "Co podpisano cały dokument" in shown
    assert (
        "Nie ma dowodu, kiedy dokument został podpisany: podpis nie ma ważnego znacznika czasu."
        in shown
    )
    # no codes, raw names or ISO times where people read; dates in one Polish format
    for code in ("TOTAL_PASSED", "FULL_DOCUMENT", "CN=", "XAdES-BASELINE"):
        assert code not in shown
        assert code in details
    assert not ISO_MOMENT.search(shown) and not ISO_MOMENT.search(details)
    assert POLISH_MOMENT.search(shown)
    # "best signature time" is not the time of the check when nothing proves existence
    assert "Dowód istnienia (znacznik czasu) brak" in details


@pytest.mark.django_db
def test_time_stamp_time_is_the_signing_time_in_warsaw(client, corpus, sekap_trust):
    data = corpus["valid_b_t"].data
    report = services.validate(data)
    stamped = report.signatures[0].timestamps[0].generation_time
    response = verify(client, data)
    shown, details = words(response.content.decode())
    expected = polish_datetime(stamped)
    assert f"Nie później niż {expected} – potwierdza to znacznik czasu." in shown
    assert f"Dowód istnienia (znacznik czasu) {expected}" in details


@pytest.mark.django_db
def test_tampered_document_is_not_valid_with_the_reason_in_words(client, corpus, sekap_trust):
    response = verify(client, corpus["tampered_content"].data)
    shown, details = words(response.content.decode())
    assert "Wynik: nieważny" in shown
    assert (
        "Dokument został zmieniony po podpisaniu: jego treść nie zgadza się już z podpisem."
        in shown
    )
    assert "Rodzaj certyfikatu nie sprawdzono, ponieważ sam podpis jest nieprawidłowy" in shown
    assert "Digest mismatch" not in shown and "HASH_FAILURE" not in shown
    assert "Digest mismatch" in details and "HASH_FAILURE" in details


@pytest.mark.django_db
def test_unknown_issuer_cannot_be_determined(client, corpus, sekap_trust):
    shown, _ = words(verify(client, corpus["unknown_ca"].data).content.decode())
    assert "Wynik: nie można ustalić" in shown
    assert "Rodzaj certyfikatu certyfikat wystawcy, któremu nie ufamy" in shown
    assert "nie został wydany przez urząd certyfikacji, któremu ufamy" in shown


@pytest.mark.django_db
def test_seal_signature_names_the_person_and_the_kind(client, corpus, sekap_trust):
    response = verify(client, corpus["trusted_profile_injected_copy"].data)
    shown, details = words(response.content.decode())
    assert "Podpisał(a) Anna Nowak, PESEL 02070803628" in shown
    assert (
        "Rodzaj certyfikatu podpis osobisty SEKAP (pieczęć SEKAP potwierdzająca tożsamość osoby)"
        in shown
    )
    assert "99999999999" not in shown  # the unsigned copy of identity data is ignored
    from tests.test_wording import offending

    assert offending(shown + " " + details) == []


@pytest.mark.django_db
def test_unsigned_document(client, corpus, sekap_trust):
    shown, _ = words(verify(client, corpus["no_signature"].data).content.decode())
    assert "Wynik: nieważny Dokument nie zawiera podpisu." in shown
    assert "Ważne podpisy" not in shown


@pytest.mark.django_db
def test_english_page(client, corpus, sekap_trust):
    response = verify(client, corpus["tampered_content"].data, language="en")
    shown, _ = words(response.content.decode())
    assert "Result: not valid" in shown
    assert "The document was changed after it was signed" in shown


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "Nie można odczytać tego pliku PDF: jest uszkodzony albo nie jest naprawdę PDF."),
        ("en", "This PDF file cannot be read: it is damaged or not really a PDF."),
    ],
)
def test_unreadable_pdf_gets_a_specific_error(client, language, message):
    response = verify(client, b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", language=language, name="a.pdf")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in html and message in html
    assert "FORMAT_FAILURE" not in html and "report-heading" not in html


@pytest.mark.django_db
def test_signed_pdf_in_plain_words_and_its_etsi_report(client, pki, sekap_trust):
    from signatures.etsi_report import schema_errors
    from signatures.tests.pdfs import make_pdf, sign_pdf

    signed = sign_pdf(make_pdf(1), key=pki.signer.key, chain=[pki.signer.cert, pki.ca.cert])
    response = verify(client, signed, name="wniosek.pdf")
    shown, details = words(response.content.decode())
    assert "Wynik: ważny" in shown
    assert "Podpisał(a) Jan Kowalski, PESEL 44051401359" in shown
    assert "Co podpisano cały dokument" in shown
    assert "PAdES-BASELINE-B-B" in details

    etsi = client.post(
        URL, {"document": SimpleUploadedFile("wniosek.pdf", signed), "format": "etsi"}
    )
    assert etsi.status_code == 200 and etsi["Content-Type"] == "application/xml"
    assert "attachment" in etsi["Content-Disposition"]
    assert schema_errors(etsi.content) == []


@pytest.mark.django_db
def test_signature_field_refuses_a_file_that_is_not_xml(client):
    response = client.post(
        URL,
        {
            "document": SimpleUploadedFile("wniosek.pdf", b"%PDF-1.7"),
            "signature": SimpleUploadedFile("wniosek.pdf.xades", b"%PDF-1.7 no"),
            "format": "html",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "is not an XML signature" in response.content.decode()


# --- the pieces ---------------------------------------------------------------------------


def test_one_polish_date_time_format():
    assert polish_datetime("2026-11-30T03:57:10.123456Z") == "30.11.2026 04:57"
    assert polish_datetime(dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01.07.2026 12:00"
    assert polish_datetime(None) == "" and polish_datetime("") == ""
    assert polish_date(dt.date(2026, 1, 5)) == "05.01.2026"
    assert polish_date("2026-03-29T23:30:00Z") == "30.03.2026"


def _certificate(*, statements: bytes | None, person: bool = True) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "Ewa Nowak")]
    if person:
        attributes += [
            x509.NameAttribute(NameOID.GIVEN_NAME, "Ewa"),
            x509.NameAttribute(NameOID.SURNAME, "Nowak"),
        ]
    name = x509.Name(attributes)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    )
    if statements is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(xades.QC_STATEMENTS, statements), critical=False
        )
    return builder.sign(key, hashes.SHA256())


def _qc(*statements: xades._QcStatement) -> bytes:
    return xades._QcStatements(list(statements)).dump()


def test_qc_statements_are_read_from_the_certificate():
    from asn1crypto import core

    compliance = xades._QcStatement({"statement_id": xades.QC_COMPLIANCE})
    seal_type = xades._QcStatement(
        {
            "statement_id": xades.QC_TYPE,
            "statement_info": core.Any.load(xades._QcTypes(["0.4.0.1862.1.6.2"]).dump()),
        }
    )
    assert xades.qc_statements(_certificate(statements=_qc(compliance, seal_type))) == (
        True,
        "eseal",
    )
    assert xades.qc_statements(_certificate(statements=_qc(compliance))) == (True, None)
    assert xades.qc_statements(_certificate(statements=None)) == (False, None)
    assert xades.qc_statements(_certificate(statements=b"\x30\x03garbage")) == (False, None)


def _signature(info: SignerInfo, anchor: str) -> SignatureReport:
    certificates = [CertificateInfo("CN=x", "CN=y", "1", "sig", "", "", "SIGNING")]
    if anchor:
        certificates.append(CertificateInfo("CN=y", "CN=y", "2", anchor, "", "", "TRUST_ANCHOR"))
    return SignatureReport(
        id=None,
        indication="TOTAL_PASSED",
        sub_indication=None,
        signed_by=info,
        certificates=certificates,
    )


@translation.override("en")
def test_certificate_kinds():
    trust = presentation.TrustContext(
        platform_seals=frozenset({"seal"}),
        sekap_anchors=frozenset({"sekap-root"}),
        qualified_anchors=frozenset({"qc-root"}),
    )
    person = SignerInfo("CN=x", "CN=y", "1", given_name="Ewa", surname="Nowak", qualified=True)
    seal = SignerInfo("CN=x", "CN=y", "1", organization="Urząd", qualified=True, qc_type="eseal")
    kind = presentation.certificate_kind
    assert kind(_signature(person, "qc-root"), trust) == "qualified electronic signature"
    assert kind(_signature(seal, "qc-root"), trust) == "qualified electronic seal"
    # a certificate calling itself qualified under an anchor that is not a qualified provider
    assert kind(_signature(person, "other-root"), trust) == "certificate of another trusted issuer"
    assert kind(_signature(person, "sekap-root"), trust) == "SEKAP certificate of a person"
    office = SignerInfo("CN=x", "CN=y", "1", organization="Urząd Miejski w Gliwicach")
    assert kind(_signature(office, "sekap-root"), trust) == "office seal (SEKAP certificate)"
    platform = _signature(office, "sekap-root")
    platform.certificates[0] = CertificateInfo("CN=x", "CN=y", "1", "seal", "", "", "SIGNING")
    assert kind(platform, trust) == "seal of the SEKAP personal signature"


@pytest.mark.django_db
def test_bad_input_gets_a_clear_answer_never_a_server_error(client, settings):
    empty = client.post(URL, {"format": "html"}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400 and 'class="error-summary"' in empty.content.decode()
    settings.SIGNATURES_MAX_DOCUMENT_BYTES = 100
    big = verify(client, b"<a>" + b"x" * 200 + b"</a>", language="en")
    assert big.status_code == 400 and "The document is too large." in big.content.decode()
    settings.SIGNATURES_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
    for junk in (
        b"\x00\xff\xfe garbage",
        b"<a><b></a>",
        b'<!DOCTYPE x [<!ENTITY e "x">]><a>&e;</a>',
    ):
        response = verify(client, junk, language="en")
        assert response.status_code == 200  # a report: the document cannot be read as signed XML
        outside, _details = words(response.content.decode())
        assert "not valid" in outside.lower() or "could not" in outside.lower(), outside
