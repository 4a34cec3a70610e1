"""Property: any mutation of a signed document yields a report, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures import pkix
from signatures.report import ValidationReport
from signatures.validator import validate_document
from tests.support import examples

SNIPPETS = [
    b"<!DOCTYPE x>", b"&amp;", b"<!-- c -->", b"<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>",
    b" Id='dup'", b"\x00", b"]]>", b"<![CDATA[x]]>", b"&#0;", b"\xff\xfe", b"xmlns:a='urn:a'",
    b"<a>", b"</a>", b"=", b'"', b"#", b"Algorithm='http://www.w3.org/2000/09/xmldsig#sha1'",
]  # fmt: skip

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(min_value=0), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(min_value=0), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("delete"), st.integers(min_value=0), st.integers(1, 40)),
)


def _apply(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, pos, arg in ops:
        pos %= len(buf) or 1
        if kind == "flip":
            buf[pos] ^= arg
        elif kind == "insert":
            buf[pos:pos] = arg
        else:
            del buf[pos : pos + arg]
    return bytes(buf)


@pytest.fixture(scope="module")
def shared_env():
    return pkix.PkixEnvironment(fetcher=pkix.UrllibFetcher(timeout=2))


@pytest.mark.parametrize("source", ["valid_b_b", "valid_b_t", "trusted_profile_injected_copy"])
def test_mutated_documents_always_yield_a_report(source, corpus, policy, shared_env) -> None:
    original = corpus[source].data

    @settings(
        max_examples=examples(250),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(mutation, min_size=1, max_size=4))
    def check(ops) -> None:
        report = validate_document(_apply(original, ops), policy=policy, env=shared_env)
        assert isinstance(report, ValidationReport)
        assert report.indication in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE")
        codes = [e.code for e in report.errors] + [
            e.code for s in report.signatures for e in s.errors
        ]
        assert "validator.internal_error" not in codes, report.to_dict()
        report.to_json()

    check()


@given(st.binary(max_size=2000))
@settings(max_examples=examples(200), deadline=None)
def test_arbitrary_bytes_yield_a_report(data) -> None:
    report = validate_document(data)
    assert report.indication in ("TOTAL_FAILED", "INDETERMINATE", "TOTAL_PASSED")
