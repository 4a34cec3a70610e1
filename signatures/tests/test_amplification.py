"""CPU amplification (issue 10, item 3): refusals by reason and canonicalisation count, never
by timing."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from signatures import dsig
from signatures.tests.amplification import amplification_document
from signatures.validator import validate_document

SIZE = 200_000


@pytest.fixture
def whole_document_runs(monkeypatch):
    """Counts canonicalisations of the whole document (the expensive ones)."""
    runs: list[int] = []
    real = dsig.canonicalize

    def counting(node, method, **kwargs):
        octets = real(node, method, **kwargs)
        if isinstance(node, etree._ElementTree):
            runs.append(len(octets))
        return octets

    monkeypatch.setattr(dsig, "canonicalize", counting)
    return runs


def test_repeated_whole_document_reference_is_canonicalised_once(
    pki, policy, env, whole_document_runs
) -> None:
    data = amplification_document(pki, size=SIZE, references=11, signatures=3)
    whole_document_runs.clear()
    report = validate_document(data, policy=policy, env=env)
    # 33 whole-document references over 3 signatures, one canonicalisation in all; every
    # reference digest matched, so validation went on to the (broken) SignedProperties digest.
    assert len(whole_document_runs) == 1
    # (the first signature's SignedProperties are intact: it fails on the SignatureValue).
    codes = [s.errors[0].code for s in report.signatures]
    assert codes == ["dsig.signature_value", "dsig.digest", "dsig.digest"]
    assert report.signatures[1].errors[0].message == "Digest mismatch for SignedProperties."


def test_distinct_whole_document_references_refused_before_any_work(
    pki, policy, env, whole_document_runs
) -> None:
    data = amplification_document(pki, size=SIZE, references=12, signatures=2, distinct=True)
    whole_document_runs.clear()
    small = dataclasses.replace(policy, max_canonical_bytes=8 * len(data))
    report = validate_document(data, policy=small, env=env)
    assert [e.code for e in report.errors] == ["validator.work_budget"]
    assert report.indication == "INDETERMINATE"
    assert report.sub_indication == "POLICY_PROCESSING_ERROR"
    assert report.signatures == [] and report.signed_data == []
    assert whole_document_runs == []  # the cheap bound refused it up front


def test_running_budget_stops_nested_element_references(pki, policy, env, monkeypatch) -> None:
    """References by Id to elements (size unknown up front) are charged as they run."""
    data = amplification_document(pki, size=SIZE, references=8, nested=True)
    element_runs = []
    real = dsig.canonicalize

    def recording(node, method, **kwargs):
        if isinstance(node, etree._ElementTree):
            element_runs.append("document")
        elif node.get("Id", "").startswith("grupa-"):
            element_runs.append(node.get("Id"))
        return real(node, method, **kwargs)

    monkeypatch.setattr(dsig, "canonicalize", recording)
    tight = dataclasses.replace(policy, max_canonical_bytes=3 * len(data))
    report = validate_document(data, policy=tight, env=env)
    # Each nested group is about the document's size: the fourth one passes the budget.
    assert element_runs == ["document", "grupa-0", "grupa-1", "grupa-2"]
    assert [e.code for e in report.errors] == ["validator.work_budget"]
    assert report.signatures == []
    # The same document validates its references with the default budget.
    element_runs.clear()
    report = validate_document(data, policy=policy, env=env)
    assert element_runs == ["document"] + [f"grupa-{i}" for i in range(8)]
    assert report.signatures[0].errors[0].code == "dsig.signature_value"


def test_too_many_references_refused_before_canonicalisation(
    pki, policy, env, whole_document_runs
) -> None:
    data = amplification_document(pki, size=SIZE, references=29)
    whole_document_runs.clear()
    report = validate_document(data, policy=policy, env=env)
    assert report.signatures[0].errors[0].code == "dsig.limits"
    assert report.signatures[0].errors[0].message == "More than 12 references."
    assert whole_document_runs == []


def test_too_many_signatures_refused_before_canonicalisation(
    pki, policy, env, whole_document_runs
) -> None:
    data = amplification_document(pki, size=SIZE, references=1, signatures=10)
    whole_document_runs.clear()
    report = validate_document(data, policy=policy, env=env)
    assert [(e.code, e.message) for e in report.errors] == [
        ("dsig.limits", "More than 6 signatures.")
    ]
    assert whole_document_runs == []


def test_cpu_budget_checked_between_steps(pki, policy, env, whole_document_runs) -> None:
    data = amplification_document(pki, size=SIZE, references=1)
    whole_document_runs.clear()
    report = validate_document(
        data, policy=dataclasses.replace(policy, max_cpu_seconds=0.0), env=env
    )
    assert [e.code for e in report.errors] == ["validator.work_budget"]
    assert "of CPU" in report.errors[0].message
    assert whole_document_runs == []


@pytest.mark.django_db
def test_limits_come_from_settings(settings, sekap_trust) -> None:
    from signatures import services

    settings.SIGNATURES_MAX_SIGNATURES = 2
    settings.SIGNATURES_MAX_REFERENCES = 5
    settings.SIGNATURES_MAX_CANONICAL_BYTES = 1234
    settings.SIGNATURES_MAX_CPU_SECONDS = 2.5
    policy = services.validation_policy()
    assert (
        policy.max_signatures,
        policy.max_references,
        policy.max_canonical_bytes,
        policy.max_cpu_seconds,
    ) == (2, 5, 1234, 2.5)
