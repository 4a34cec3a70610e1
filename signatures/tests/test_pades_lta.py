"""PAdES B-LTA evaluated: a PDF signed in 2018 whose signing certificate expired in 2019 still
validates today through its chain of document time-stamps (2019 and 2022, each added with the
DSS revocation data for the previous TSA before that TSA's certificate expired); without them
it is INDETERMINATE/OUT_OF_BOUNDS_NO_POE, and a changed byte under the chain breaks it.

pyHanko signs, adds the DSS and the document time-stamps; the TSA is the RFC 3161 sandbox on a
simulated clock of ``test_lta`` (the same history: root, signer, three TSAs, past-dated CRLs,
the latest TSA checked now through a live CRL over HTTP).
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import tsp as asn1_tsp
from lxml import etree
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signatures import pkix
from signatures.etsi_report import VR, etsi_validation_report, schema_errors
from signatures.pades import validate_pdf
from signatures.tests.pdfs import make_pdf, signer_for
from signatures.tests.test_lta import T0, T1, T2, History, TsaSandbox, history  # noqa: F401
from signatures.validator import ValidationPolicy


class SandboxTimeStamper(timestamps.TimeStamper):
    """pyHanko's time-stamper interface onto the RFC 3161 sandbox (DER request, DER reply)."""

    def __init__(self, sandbox: TsaSandbox) -> None:
        super().__init__()
        self.sandbox = sandbox

    async def async_request_tsa_response(self, req: asn1_tsp.TimeStampReq):
        reply = self.sandbox.post("http://tsa.test/", req.dump(), "application/timestamp-query")
        return asn1_tsp.TimeStampResp.load(reply)


class _SignerAt(signers.PdfSigner):
    """A pyHanko signer whose signing-time attribute is a set moment (the simulated clock)."""

    def __init__(self, *args, at: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self.at
        return session


def _in_thread(fn, *args, **kwargs):
    # pyHanko runs its own event loop; keep it off any loop the test runner has.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _sign_b_t(h: History) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="Podpis1", subfilter=fields.SigSeedSubFilter.PADES, reason="Podpis wniosku"
    )
    signer = _SignerAt(
        meta,
        signer=signer_for(h.signer.key, [h.signer.cert, h.root.cert]),
        timestamper=SandboxTimeStamper(TsaSandbox(h.tsa1, T0 + timedelta(minutes=1))),
        at=T0,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(make_pdf(2)))
    return _in_thread(signer.sign_pdf, writer).getvalue()


def _add_dss(pdf: bytes, *, certificates: list, crls: list[bytes]) -> bytes:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        out,
        None,
        certs=[asn1_x509.Certificate.load(pkix.der(c)) for c in certificates],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
        force_write=True,
    )
    return out.getvalue()


def _doc_timestamp(pdf: bytes, sandbox: TsaSandbox) -> bytes:
    stamper = signers.PdfTimeStamper(SandboxTimeStamper(sandbox))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _in_thread(stamper.timestamp_pdf, writer, "sha256").getvalue()


@pytest.fixture(scope="module")
def pdfs(history: History) -> dict[str, bytes]:  # noqa: F811
    h = history
    b_lt = _add_dss(
        _sign_b_t(h),
        certificates=[h.signer.cert, h.root.cert],
        crls=[h.crl(T0 + timedelta(minutes=2))],
    )
    first = _add_dss(b_lt, certificates=[h.tsa1.cert], crls=[h.crl(T1 - timedelta(minutes=1))])
    first = _doc_timestamp(first, TsaSandbox(h.tsa2, T1))
    second = _add_dss(first, certificates=[h.tsa2.cert], crls=[h.crl(T2 - timedelta(minutes=1))])
    second = _doc_timestamp(second, TsaSandbox(h.tsa3, T2))
    return {"b_lt": b_lt, "two_stamps": second, "first_stamp_end": len(first)}


def _validate(data: bytes, history: History):  # noqa: F811
    policy = ValidationPolicy(trust_anchors=(history.root.der,))
    return validate_pdf(data, policy=policy, env=pkix.PkixEnvironment())


def test_b_lta_pdf_with_expired_signing_certificate_validates(pdfs, history) -> None:  # noqa: F811
    report = _validate(pdfs["two_stamps"], history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None), sr.errors
    assert sr.signature_level == "PAdES-BASELINE-B-LTA"
    assert history.signer.cert.not_valid_after_utc < datetime.now(UTC) - timedelta(days=365)
    assert [(t.type, t.indication, t.generation_time) for t in sr.timestamps] == [
        ("SIGNATURE_TIMESTAMP", "PASSED", "2018-03-01T10:01:00Z"),
        ("DOCUMENT_TIMESTAMP", "PASSED", "2019-10-01T10:00:00Z"),
        ("DOCUMENT_TIMESTAMP", "PASSED", "2022-10-01T10:00:00Z"),
    ]
    assert sr.best_signature_time == "2018-03-01T10:01:00Z"
    assert "xcv.validated_at_best_signature_time" in {w.code for w in sr.warnings}
    xml = etsi_validation_report(report=report)
    assert schema_errors(xml) == []
    process = etree.fromstring(xml).findtext(f".//{{{VR}}}SignatureValidationProcessID")
    assert process == "urn:etsi:019102:validationprocess:LTA"


def test_without_document_time_stamps_there_is_no_proof_of_existence(pdfs, history) -> None:  # noqa: F811
    report = _validate(pdfs["b_lt"], history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert sr.signature_level == "PAdES-BASELINE-B-LT"
    # The signature time-stamp's TSA expired in 2020 and nothing proves the stamp older.
    assert [(t.type, t.indication) for t in sr.timestamps] == [
        ("SIGNATURE_TIMESTAMP", "INDETERMINATE")
    ]


def test_a_changed_byte_under_the_time_stamp_chain_breaks_it(pdfs, history) -> None:  # noqa: F811
    # A byte of the first document time-stamp's revision (in its /Contents padding: outside its
    # own byte range, inside the 2022 stamp's) is changed: the 2022 stamp's imprint no longer
    # matches, so neither stamp proves anything.
    data = bytearray(pdfs["two_stamps"])
    end = pdfs["first_stamp_end"]
    padding = data.rindex(b"0000>", 0, end)
    data[padding] = ord("1")
    report = _validate(bytes(data), history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert [(t.indication, t.sub_indication) for t in sr.timestamps[1:]] == [
        ("INDETERMINATE", "NO_POE"),
        ("FAILED", "HASH_FAILURE"),
    ]
    assert "tst.archive" in {w.code for w in sr.warnings}
