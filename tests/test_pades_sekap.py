"""A PDF signed with pyHanko by a certificate of the SEKAP CA validates with the platform's
default wiring: the SEKAP root from certauth, its CRL and OCSP answered in-process (no network),
through ``signatures.services.validate`` (which tells a PDF from XML)."""

from __future__ import annotations

import pytest

from documents.tests.fixtures import make_citizen
from portal.tests.fixtures import ca, pki_dir, sekap_trust  # noqa: F401
from signatures import services as signatures
from signatures.tests.pdfs import make_pdf, sign_pdf

pytestmark = pytest.mark.django_db


def test_pdf_signed_by_a_sekap_certificate_is_total_passed(ca, sekap_trust):  # noqa: F811
    citizen = make_citizen(ca, pesel="44051401359")
    signed = sign_pdf(make_pdf(2), key=citizen.key, chain=citizen.chain[:2])

    report = signatures.validate(signed)

    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None), report.to_dict()
    sig = report.signatures[0]
    assert (sig.signature_format, sig.signature_level) == ("PAdES", "PAdES-BASELINE-B-B")
    assert sig.signed_by.pesel == "44051401359"
    assert sekap_trust.fetcher.fallback.calls == []  # nothing left the process


def test_pdf_signed_by_a_sekap_certificate_with_a_byte_changed_is_hash_failure(
    ca,  # noqa: F811
    sekap_trust,  # noqa: F811
):
    citizen = make_citizen(ca, pesel="44051401359")
    signed = sign_pdf(make_pdf(2), key=citizen.key, chain=citizen.chain[:2])

    report = signatures.validate(signed.replace(b"strona 1", b"strona 9"))

    assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")
