"""Every hostile or broken document gets its exact indication and sub-indication."""

from __future__ import annotations

import pytest

from signatures.tests.corpus.build import build_corpus
from signatures.validator import validate_document

CASE_NAMES = [
    "valid_b_b", "valid_b_t", "valid_id_reference", "dtd_billion_laughs", "xxe_external_entity",
    "too_deep", "no_signature", "external_file_reference", "xslt_transform", "xpath_selects_less",
    "duplicate_id", "signed_properties_not_signed", "signed_properties_untyped",
    "injected_qualifying_properties", "signed_properties_outside_signature", "missing_signing_time",
    "missing_signing_certificate", "swapped_keyinfo_certificate", "resigned_with_other_key",
    "plain_xmldsig", "tampered_content", "whitespace_tampering", "comment_injection",
    "tampered_signed_properties", "tampered_signature_value", "hmac_signature_method", "weak_sha1",
    "weak_rsa_1024", "expired_certificate", "signed_after_expiry", "not_yet_valid", "unknown_ca",
    "key_usage_not_signing", "no_revocation_sources", "revoked_b_b", "revoked_after_timestamp",
    "revoked_before_signing", "expired_after_timestamp", "revoked_before_timestamp",
    "issuing_ca_revoked", "two_parallel_signatures", "second_signature_breaks_first",
    "trusted_profile_injected_copy", "detached_not_supplied",
    "xsw1_original_in_signature_object", "xsw2_original_as_sibling", "xsw3_duplicate_id_first",
    "xsw4_original_wrapped", "xsw5_copy_in_object_visible_root_without_id",
    "xsw6_original_nested_in_object", "xsw7_original_in_extensions",
    "xsw8_signature_moved_original_in_object",
]  # fmt: skip


def test_corpus_lists_every_case(corpus) -> None:
    assert sorted(corpus) == sorted(CASE_NAMES)
    assert len(corpus) >= 25


@pytest.mark.parametrize("name", CASE_NAMES)
def test_corpus_case(name, corpus, policy, env) -> None:
    case = corpus[name]
    report = validate_document(case.data, policy=policy, env=env)
    assert (report.indication, report.sub_indication) == (case.indication, case.sub_indication), (
        case.description,
        report.to_dict(),
    )
    codes = {w.code for s in report.signatures for w in s.warnings}
    for expected in case.warnings:
        assert expected in codes
    if case.signatures is not None:
        assert report.signatures_count == case.signatures
    assert not any(
        e.code == "validator.internal_error" for s in report.signatures for e in s.errors
    )


def test_corpus_build_is_reproducible_in_kind(pki) -> None:
    # A second build (fresh signatures, same PKI) yields the same expectations.
    again = {c.name: (c.indication, c.sub_indication) for c in build_corpus(pki)}
    assert again["valid_b_b"] == ("TOTAL_PASSED", None)
    assert again["xsw1_original_in_signature_object"] == ("TOTAL_FAILED", "FORMAT_FAILURE")
