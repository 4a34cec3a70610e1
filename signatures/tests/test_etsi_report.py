"""The ETSI TS 119 102-2 XML report: valid against the standard's schema for every outcome of
the corpus, and saying what the typed report says."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from signatures.etsi_report import VR, etsi_validation_report, schema_errors
from signatures.report import Message
from signatures.tests.test_corpus import CASE_NAMES
from signatures.validator import validate_document

NS = {"vr": VR}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_report_of_every_corpus_case_is_schema_valid(name, corpus, policy, env) -> None:
    report = validate_document(corpus[name].data, policy=policy, env=env)
    xml = etsi_validation_report(report=report)
    assert schema_errors(xml) == []
    root = etree.fromstring(xml)
    statuses = root.findall("vr:SignatureValidationReport/vr:SignatureValidationStatus", NS)
    assert len(statuses) == max(1, report.signatures_count)
    for status, sr in zip(statuses, report.signatures, strict=False):
        main = status.findtext("vr:MainIndication", namespaces=NS)
        assert main.endswith(":" + sr.indication.lower().replace("_", "-"))
        sub = status.findtext("vr:SubIndication", namespaces=NS)
        assert sub == (
            f"urn:etsi:019102:subindication:{sr.sub_indication}" if sr.sub_indication else None
        )


def test_passing_b_t_report_names_chain_time_stamp_and_document(corpus, policy, env) -> None:
    report = validate_document(corpus["valid_b_t"].data, policy=policy, env=env)
    root = etree.fromstring(etsi_validation_report(report=report))
    svr = root.find("vr:SignatureValidationReport", NS)
    sr = report.signatures[0]
    signing = next(c for c in sr.certificates if c.role == "SIGNING")
    anchor = next(c for c in sr.certificates if c.role == "TRUST_ANCHOR")
    chain = svr.find(
        "vr:SignatureValidationStatus/vr:AssociatedValidationReportData/vr:CertificateChain", NS
    )
    assert (
        chain.find("vr:SigningCertificate", NS).get("VOReference") == "C-" + signing.sha256.upper()
    )
    assert chain.find("vr:TrustAnchor", NS).get("VOReference") == "C-" + anchor.sha256.upper()
    best = svr.find("vr:ValidationTimeInfo/vr:BestSignatureTime", NS)
    assert best.findtext("vr:POETime", namespaces=NS) == sr.best_signature_time
    ts_id = best.find("vr:POEObject", NS).get("VOReference")
    objects = {
        o.get("id"): o
        for o in root.iterfind("vr:SignatureValidationObjects/vr:ValidationObject", NS)
    }
    assert objects[ts_id].findtext("vr:ObjectType", namespaces=NS).endswith(":timestamp")
    stamp = svr.find("vr:SignatureAttributes/vr:SignatureTimeStamp", NS)
    assert stamp.find("vr:AttributeObject", NS).get("VOReference") == ts_id
    doc_ref = svr.find("vr:SignersDocument/vr:SignersDocumentRef", NS).get("VOReference")
    assert doc_ref == "D-" + report.document_sha256.upper()
    process = svr.findtext(
        "vr:SignatureValidationProcess/vr:SignatureValidationProcessID", namespaces=NS
    )
    assert process == "urn:etsi:019102:validationprocess:LTVM"


def test_revoked_signature_reports_revocation_time(corpus, policy, env) -> None:
    report = validate_document(corpus["revoked_before_signing"].data, policy=policy, env=env)
    xml = etsi_validation_report(report=report)
    assert schema_errors(xml) == []
    root = etree.fromstring(xml)
    info = root.find(".//vr:RevocationStatusInformation", NS)
    assert info is not None
    revoked = next(r for r in report.signatures[0].revocation if r.status == "REVOKED")
    assert info.findtext("vr:RevocationTime", namespaces=NS) == revoked.revocation_time


def test_schema_check_can_fail() -> None:
    broken = (
        f'<ValidationReport xmlns="{VR}"><SignatureValidationReport/></ValidationReport>'
    ).encode()
    assert schema_errors(broken)


def test_hostile_identifiers_and_names_still_give_a_valid_report(corpus, policy, env) -> None:
    report = validate_document(corpus["valid_b_b"].data, policy=policy, env=env)
    sr = report.signatures[0]
    sr.id = 'sig 1:<x>&"y'
    sr.errors.append(Message("x.test", "control \x01\x0b characters and \ud800 a surrogate"))
    sr.signed_by = dataclasses.replace(sr.signed_by, common_name="Jan\x00Kowalski")
    xml = etsi_validation_report(report=report)
    assert schema_errors(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext(".//vr:DAIdentifier", namespaces=NS) == 'sig 1:<x>&"y'
    assert root.findtext(".//vr:Signer", namespaces=NS) == "Jan\ufffdKowalski"
