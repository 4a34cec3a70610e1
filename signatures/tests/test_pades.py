"""PAdES validation (signatures/pades.py): PDFs signed by pyHanko, judged with the platform's
trust anchors and revocation (the test PKI's OCSP, CRLs and TSA over real HTTP)."""

from __future__ import annotations

import pytest
from pyhanko.sign.fields import MDPPerm

from signatures import pkix
from signatures.pades import validate_pdf
from signatures.tests.pdfs import (
    add_comment,
    add_empty_signature_field,
    change_page_text,
    make_pdf,
    sign_pdf,
)
from signatures.validator import ValidationPolicy


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return make_pdf(3)


def _sign(pki, pdf: bytes, **kwargs) -> bytes:
    return sign_pdf(pdf, key=pki.signer.key, chain=[pki.signer.cert, pki.ca.cert], **kwargs)


def _result(report) -> tuple[str, str | None]:
    return report.indication, report.sub_indication


def test_pades_b_b_passes_with_the_signer_and_scope_reported(pki, policy, env, pdf) -> None:
    report = validate_pdf(_sign(pki, pdf), policy=policy, env=env)

    assert _result(report) == ("TOTAL_PASSED", None), report.to_dict()
    sig = report.signatures[0]
    assert (sig.signature_format, sig.signature_level) == ("PAdES", "PAdES-BASELINE-B-B")
    assert (sig.signed_by.surname, sig.signed_by.pesel) == ("Kowalski", "44051401359")
    assert [(s.kind, s.uri) for s in sig.scope] == [("FULL_DOCUMENT", "Podpis1")]
    assert [c.role for c in sig.certificates] == ["SIGNING", "CA", "TRUST_ANCHOR"]
    assert sig.revocation and sig.revocation[0].status == "GOOD"
    assert sig.claimed_signing_time is not None
    assert sig.qualification == "AdES"  # the test root is not a qualified service


def test_pades_b_t_time_stamp_gives_the_best_signature_time(pki, policy, env, pdf) -> None:
    report = validate_pdf(_sign(pki, pdf, tsa_url=f"{pki.base_url}/tsa"), policy=policy, env=env)

    assert _result(report) == ("TOTAL_PASSED", None), report.to_dict()
    sig = report.signatures[0]
    assert sig.signature_level == "PAdES-BASELINE-B-T"
    assert [(t.type, t.indication) for t in sig.timestamps] == [("SIGNATURE_TIMESTAMP", "PASSED")]
    assert sig.best_signature_time == sig.timestamps[0].generation_time


def test_byte_changed_in_the_signed_range_is_hash_failure(pki, policy, env, pdf) -> None:
    signed = _sign(pki, pdf)
    tampered = signed.replace(b"strona 2", b"strona 7")
    assert tampered != signed and len(tampered) == len(signed)

    report = validate_pdf(tampered, policy=policy, env=env)

    assert _result(report) == ("TOTAL_FAILED", "HASH_FAILURE"), report.to_dict()
    assert report.signatures[0].errors[0].code == "pades.digest"


@pytest.mark.parametrize("docmdp", [MDPPerm.NO_CHANGES, MDPPerm.FILL_FORMS])
def test_comment_added_where_docmdp_forbids_annotations_fails(
    pki, policy, env, pdf, docmdp
) -> None:
    certified = _sign(pki, pdf, certify=True, docmdp=docmdp)
    assert _result(validate_pdf(certified, policy=policy, env=env)) == ("TOTAL_PASSED", None)

    report = validate_pdf(add_comment(certified), policy=policy, env=env)

    assert _result(report) == ("TOTAL_FAILED", "FORMAT_FAILURE"), report.to_dict()
    assert report.signatures[0].errors[0].code == "pades.modified"
    assert docmdp.name in report.signatures[0].errors[0].message


def test_empty_signature_field_added_under_no_changes_is_allowed(pki, policy, env, pdf) -> None:
    """pyHanko's diff policy, like Acrobat, lets anyone add an empty signature field."""
    certified = _sign(pki, pdf, certify=True, docmdp=MDPPerm.NO_CHANGES)

    report = validate_pdf(add_empty_signature_field(certified), policy=policy, env=env)

    assert _result(report) == ("TOTAL_PASSED", None), report.to_dict()


def test_second_signature_where_docmdp_allows_form_filling_passes_with_a_warning(
    pki, policy, env, pdf
) -> None:
    certified = _sign(pki, pdf, certify=True, docmdp=MDPPerm.FILL_FORMS)
    report = validate_pdf(_sign(pki, certified, field_name="Podpis2"), policy=policy, env=env)

    assert _result(report) == ("TOTAL_PASSED", None), report.to_dict()
    first = report.signatures[0]
    assert first.scope[0].kind == "PDF_REVISION"
    assert [w.code for w in first.warnings] == ["pades.modified_allowed"]


def test_page_content_replaced_after_signing_fails_even_without_docmdp(
    pki, policy, env, pdf
) -> None:
    report = validate_pdf(change_page_text(_sign(pki, pdf)), policy=policy, env=env)

    assert _result(report) == ("TOTAL_FAILED", "FORMAT_FAILURE"), report.to_dict()
    assert report.signatures[0].errors[0].code == "pades.modified"


def test_untrusted_ca_is_no_certificate_chain_found(pki, env, pdf) -> None:
    stranger = ValidationPolicy(trust_anchors=(pki.other_root.der,))

    report = validate_pdf(_sign(pki, pdf), policy=stranger, env=env)

    assert _result(report) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"), report.to_dict()


def test_revoked_signer_without_time_stamp_is_revoked_no_poe(pki, policy, pdf) -> None:
    from datetime import UTC, datetime, timedelta

    victim = pki.issue("Anna Nowak", subject={"serial": "PNOPL-02070803628"})
    signed = sign_pdf(pdf, key=victim.key, chain=[victim.cert, pki.ca.cert])
    pki.revoke(victim.cert, datetime.now(UTC) + timedelta(seconds=1) - timedelta(hours=1))

    report = validate_pdf(signed, policy=policy, env=pkix.PkixEnvironment())

    assert report.indication in ("INDETERMINATE", "TOTAL_FAILED")
    assert report.sub_indication.startswith("REVOKED"), report.to_dict()


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer<<>>\n%%EOF", b"%PDF-" + b"\0" * 64],
)
def test_broken_pdf_is_format_failure_never_an_exception(policy, env, data) -> None:
    report = validate_pdf(data, policy=policy, env=env)

    assert _result(report) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert report.errors[0].code == "pdf.syntax"


def test_unsigned_pdf_has_no_signature(policy, env, pdf) -> None:
    report = validate_pdf(pdf, policy=policy, env=env)

    assert _result(report) == ("TOTAL_FAILED", "NO_SIGNATURE_FOUND")


def test_xml_that_mentions_a_pdf_header_is_still_xml() -> None:
    from signatures.pades import is_pdf

    assert is_pdf(b"\n%PDF-1.7\n")
    assert not is_pdf(b'<?xml version="1.0"?><Opis>plik zaczyna sie od %PDF-1.7</Opis>')
    assert not is_pdf("%PDF-")  # not bytes
