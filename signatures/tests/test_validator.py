from __future__ import annotations

import base64
import dataclasses
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from lxml import etree

from signatures import pkix
from signatures.constants import DS, XADES
from signatures.signer import TrustedProfile, sign_enveloped
from signatures.tests.corpus.build import BASE, NS, _xsw_cases
from signatures.validator import ValidationPolicy, validate_document

D = f"{{{DS}}}"
X = f"{{{XADES}}}"


class OfflineFetcher:
    def get(self, url: str) -> bytes:
        raise pkix.FetchError("offline")

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        raise pkix.FetchError("offline")


def _sign(pki, ident=None, **kwargs) -> bytes:
    ident = ident or pki.signer
    return sign_enveloped(
        kwargs.pop("document", BASE),
        key=ident.signing_key,
        cert_chain=[ident.cert, pki.ca.cert],
        tsa_url=f"{pki.base_url}/tsa",
        **kwargs,
    )


def test_b_b_report_contents(pki, policy, env) -> None:
    report = validate_document(_sign(pki), policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    sig = report.signatures[0]
    assert sig.signature_level == "XAdES-BASELINE-B-B"
    assert sig.signed_by.pesel == "44051401359"
    assert sig.signed_by.key_usage == ["non_repudiation"]
    assert [c.role for c in sig.certificates] == ["SIGNING", "CA", "TRUST_ANCHOR"]
    assert {s.kind for s in sig.scope} == {"FULL_DOCUMENT", "SIGNED_PROPERTIES"}
    # a new signer of a validated CA: the leaf against the CA's CRL (signatures/leaf.py)
    assert sig.revocation[0].source == "CRL"
    assert report.to_dict()["schema_version"] == "1.0"


def test_b_t_timestamp_sets_best_signature_time(pki, policy, env) -> None:
    report = validate_document(_sign(pki, level="B-T"), policy=policy, env=env)
    sig = report.signatures[0]
    assert sig.indication == "TOTAL_PASSED"
    assert sig.signature_level == "XAdES-BASELINE-B-T"
    assert sig.timestamps[0].indication == "PASSED"
    assert sig.best_signature_time == sig.timestamps[0].generation_time
    assert "TIMESTAMP" in {c.role for c in sig.certificates}


def test_tampered_timestamp_is_ignored_not_trusted(pki, policy, env) -> None:
    root = etree.fromstring(_sign(pki, level="B-T"))
    sv = root.find(f".//{D}SignatureValue")
    ts = root.find(f".//{X}EncapsulatedTimeStamp")
    other = etree.fromstring(_sign(pki, level="B-T"))
    ts.text = other.find(f".//{X}EncapsulatedTimeStamp").text  # token over another signature
    assert sv is not None
    report = validate_document(etree.tostring(root), policy=policy, env=env)
    sig = report.signatures[0]
    assert sig.timestamps[0].indication == "FAILED"
    assert sig.timestamps[0].sub_indication == "HASH_FAILURE"
    assert sig.best_signature_time == report.validation_time


def test_rsa_2048_signer(pki, policy, env) -> None:
    rsa_signer = pki.issue("RSA signer", rsa_bits=2048)
    report = validate_document(_sign(pki, rsa_signer), policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].signature_method.endswith("rsa-sha256")


def test_revocation_is_cached_and_shared(pki, policy) -> None:
    env = pkix.PkixEnvironment()
    signer = pki.issue("Cache test")
    doc = _sign(pki, signer)
    before = sum(pki.requests.values())
    for _ in range(3):
        assert validate_document(doc, policy=policy, env=env).indication == "TOTAL_PASSED"
    fetched = sum(pki.requests.values()) - before
    assert 1 <= fetched <= 3  # the CA's CRL (and the root's, for the CA), once
    # Without the verdict cache, the cached revocation data still avoids a second fetch, and
    # another signer of the same CA needs no fetch at all.
    env.verdict_cache.clear()
    assert validate_document(doc, policy=policy, env=env).indication == "TOTAL_PASSED"
    other = _sign(pki, pki.issue("Cache test 2"))
    report = validate_document(other, policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    assert sum(pki.requests.values()) - before == fetched
    assert report.signatures[0].revocation[0].origin == "CACHED"


def test_crl_fallback_when_ocsp_is_down(pki, policy) -> None:
    signer = pki.issue("CRL fallback")
    doc = _sign(pki, signer)
    pki.ocsp_down = True
    try:
        report = validate_document(doc, policy=policy, env=pkix.PkixEnvironment())
    finally:
        pki.ocsp_down = False
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].revocation[0].source == "CRL"


def test_offline_b_b_is_try_later(pki, policy) -> None:
    report = validate_document(
        _sign(pki), policy=policy, env=pkix.PkixEnvironment(fetcher=OfflineFetcher())
    )
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "TRY_LATER")


def test_b_lt_validates_offline_from_embedded_data(pki, policy) -> None:
    signer = pki.issue("LT signer")
    root = etree.fromstring(_sign(pki, signer, level="B-T"))
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    request = ocsp.OCSPRequestBuilder().add_certificate(signer.cert, pki.ca.cert, hashes.SHA1())  # noqa: S303
    ocsp_der = pki.ocsp_response(request.build().public_bytes(serialization.Encoding.DER))
    request = ocsp.OCSPRequestBuilder().add_certificate(pki.tsa.cert, pki.ca.cert, hashes.SHA1())  # noqa: S303
    tsa_ocsp = pki.ocsp_response(request.build().public_bytes(serialization.Encoding.DER))
    usp = root.find(f".//{X}UnsignedSignatureProperties")
    values = etree.SubElement(usp, f"{X}CertificateValues")
    for cert in (pki.ca.cert,):
        etree.SubElement(values, f"{X}EncapsulatedX509Certificate").text = base64.b64encode(
            cert.public_bytes(serialization.Encoding.DER)
        ).decode()
    rev = etree.SubElement(usp, f"{X}RevocationValues")
    crls = etree.SubElement(rev, f"{X}CRLValues")
    etree.SubElement(crls, f"{X}EncapsulatedCRLValue").text = base64.b64encode(
        pki.crl(pki.root)
    ).decode()
    ocsps = etree.SubElement(rev, f"{X}OCSPValues")
    for der in (ocsp_der, tsa_ocsp):
        etree.SubElement(ocsps, f"{X}EncapsulatedOCSPValue").text = base64.b64encode(der).decode()
    data = etree.tostring(root)
    env = pkix.PkixEnvironment(fetcher=OfflineFetcher())
    report = validate_document(data, policy=policy, env=env)
    sig = report.signatures[0]
    assert sig.signature_level == "XAdES-BASELINE-B-LT"
    assert report.indication == "TOTAL_PASSED", (sig.errors, sig.warnings, sig.timestamps)
    assert any(r.origin == "EMBEDDED" for r in sig.revocation)


def test_trusted_profile_identity_only_from_signed_properties(pki, policy, env, corpus) -> None:
    report = validate_document(corpus["trusted_profile_injected_copy"].data, policy=policy, env=env)
    identity = report.signatures[0].trusted_profile
    assert identity is not None
    assert (identity.given_name, identity.surname, identity.pesel, identity.account_id) == (
        "Anna",
        "Nowak",
        "02070803628",
        "ep-1001",
    )
    assert "trusted_profile.unsigned_copy" in {w.code for w in report.signatures[0].warnings}


def test_trusted_profile_from_non_platform_signer_is_not_reported(pki, policy, env) -> None:
    profile = TrustedProfile(
        given_name="Eve", surname="Mallory", pesel="02070803628", account_id="x"
    )
    report = validate_document(_sign(pki, trusted_profile=profile), policy=policy, env=env)
    sig = report.signatures[0]
    assert sig.indication == "TOTAL_PASSED"
    assert sig.trusted_profile is None
    assert "trusted_profile.not_platform_seal" in {w.code for w in sig.warnings}


def test_only_unsigned_trusted_profile_is_never_reported(pki, policy, env, corpus) -> None:
    root = etree.fromstring(corpus["valid_b_b"].data)
    injected = etree.fromstring(
        '<ppZP:PodpisZP xmlns:ppZP="http://crd.gov.pl/xml/schematy/ppzp/">x</ppZP:PodpisZP>'
    )
    root.find(f".//{X}QualifyingProperties").append(injected)
    report = validate_document(etree.tostring(root), policy=policy, env=env)
    assert report.signatures[0].trusted_profile is None


def test_comment_injection_caller_reads_signed_octets(pki, policy, env, corpus) -> None:
    report = validate_document(corpus["comment_injection"].data, policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    signed = etree.fromstring(report.signed_data[0])
    assert signed.find(f"{{{NS}}}Kwota").text == "100"


def test_wrapping_without_scope_policy_still_gives_the_signed_subtree(pki, policy, env) -> None:
    good_id = _sign(pki, reference_by_id=True)
    xsw7 = next(c for c in _xsw_cases(good_id, pki.signer.key) if c.name.startswith("xsw7"))
    lax = dataclasses.replace(policy, require_full_document=False)
    report = validate_document(xsw7.data, policy=lax, env=env)
    # Cryptographically the original is intact; the caller only ever gets that original.
    assert report.indication == "TOTAL_PASSED", [s.errors for s in report.signatures]
    assert [el.findtext(f"{{{NS}}}Kwota") for el in report.signed_content] == ["100"]
    assert b"999999" not in report.signed_data[0]


def test_detached_document_supplied_by_caller(pki, policy, env) -> None:
    from signatures.tests.corpus.build import _dump, _parse, resign

    attachment = b"%PDF-1.7 attachment"
    root = _parse(_sign(pki))
    si = root.find(f".//{D}SignedInfo")
    ref = etree.SubElement(si, f"{D}Reference", URI="zalacznik.pdf")
    etree.SubElement(ref, f"{D}DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    import hashlib

    etree.SubElement(ref, f"{D}DigestValue").text = base64.b64encode(
        hashlib.sha256(attachment).digest()
    ).decode()
    resign(root, pki.signer.key, skip=("zalacznik.pdf",))
    data = _dump(root)
    ok = validate_document(
        data, policy=policy, env=env, detached_documents={"zalacznik.pdf": attachment}
    )
    assert ok.indication == "TOTAL_PASSED"
    bad = validate_document(
        data, policy=policy, env=env, detached_documents={"zalacznik.pdf": b"other"}
    )
    assert (bad.indication, bad.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_claimed_signing_time_before_certificate_validity(pki, policy, env) -> None:
    doc = _sign(pki, signing_time=pki.now - timedelta(days=300))
    report = validate_document(doc, policy=policy, env=env)
    assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "NOT_YET_VALID")


def test_no_trust_anchors_means_no_chain(pki, env) -> None:
    report = validate_document(_sign(pki), policy=ValidationPolicy(), env=env)
    assert (report.indication, report.sub_indication) == (
        "INDETERMINATE",
        "NO_CERTIFICATE_CHAIN_FOUND",
    )


def test_xml_lang_on_root_with_inclusive_c14n(pki, policy, env) -> None:
    # Inclusive C14N of SignedProperties must inherit xml:lang from the document element.
    from signatures.tests.corpus.build import _dump, _parse, resign

    doc = BASE.replace(b'Id="wniosek-1"', b'Id="wniosek-1" xml:lang="pl"')
    root = _parse(_sign(pki, document=doc))
    for t in root.iter(f"{D}Transform", f"{D}CanonicalizationMethod"):
        if t.get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#":
            t.set("Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    resign(root, pki.signer.key)
    report = validate_document(_dump(root), policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED", report.to_dict()


def test_configurable_revocation_freshness(pki, policy) -> None:
    doc = _sign(pki, pki.issue("Freshness"))
    strict = pkix.PkixEnvironment(settings=pkix.PkixSettings(freshness=timedelta(seconds=5)))
    report = validate_document(doc, policy=policy, env=strict)
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    relaxed = pkix.PkixEnvironment(settings=pkix.PkixSettings(freshness=timedelta(hours=1)))
    assert validate_document(doc, policy=policy, env=relaxed).indication == "TOTAL_PASSED"


def test_revocation_cache_entries_expire_with_next_update(pki) -> None:
    from datetime import UTC, datetime

    cache = pkix.TtlCache()
    now = datetime.now(UTC)
    cache.put("k", b"v", now + timedelta(seconds=10))
    assert cache.get("k", now) == b"v"
    assert cache.get("k", now + timedelta(seconds=11)) is None


def test_enveloping_signature(pki, policy, env) -> None:
    import copy

    from signatures.tests.corpus.build import _dump, _parse, resign

    signed = _parse(_sign(pki))
    sig = signed.find(f"{D}Signature")
    content = copy.deepcopy(signed)
    content.remove(content.find(f"{D}Signature"))
    signed.remove(sig)
    obj = etree.Element(f"{D}Object", Id="content")
    obj.append(content)
    sig.insert(3, obj)
    ref = sig.find(f"{D}SignedInfo/{D}Reference")
    ref.set("URI", "#content")
    transforms = ref.find(f"{D}Transforms")
    transforms.remove(transforms[0])  # no enveloped transform for enveloping content
    sig = etree.fromstring(etree.tostring(sig))  # a document of its own
    resign(sig, pki.signer.key, sig=sig)
    report = validate_document(_dump(sig), policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert {s.kind for s in report.signatures[0].scope} == {"OBJECT", "SIGNED_PROPERTIES"}
    assert b"<Kwota>100</Kwota>" in report.signed_data[0]


def test_trusted_profile_not_reported_when_signature_fails(pki, policy, env) -> None:
    profile = TrustedProfile(
        given_name="Anna", surname="Nowak", pesel="02070803628", account_id="1"
    )
    seal = pki.issue("Revoked seal")
    signed = _sign(pki, seal, trusted_profile=profile, signing_time=pki.now - timedelta(hours=3))
    pki.revoke(seal.cert, pki.now - timedelta(hours=1))
    sealers = dataclasses.replace(
        policy, trusted_profile_sealers=frozenset({pkix.fingerprint(seal.cert)})
    )
    report = validate_document(signed, policy=sealers, env=env)
    assert report.sub_indication == "REVOKED_NO_POE"
    assert report.signatures[0].trusted_profile is None


def test_relative_namespace_is_a_format_failure(pki, policy, env) -> None:
    from signatures.tests.corpus.build import _parse

    good = _parse(_sign(pki))
    good.set("{relative/ns}attr", "1")
    report = validate_document(etree.tostring(good), policy=policy, env=env)
    assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert report.signatures[0].errors[0].code == "dsig.c14n"


def test_extra_certificates_complete_the_path(pki, policy, env) -> None:
    ident = pki.issue("Chain without CA")
    signed = sign_enveloped(BASE, key=ident.signing_key, cert_chain=[ident.cert])
    assert validate_document(signed, policy=policy, env=env).sub_indication == (
        "NO_CERTIFICATE_CHAIN_FOUND"
    )
    with_ca = dataclasses.replace(policy, extra_certificates=(pki.ca.der,))
    assert validate_document(signed, policy=with_ca, env=env).indication == "TOTAL_PASSED"


def test_unsigned_object_in_signature_is_flagged(pki, policy, env) -> None:
    root = etree.fromstring(_sign(pki))
    obj = etree.SubElement(root.find(f"{D}Signature"), f"{D}Object")
    etree.SubElement(obj, f"{{{NS}}}Kwota").text = "999999"
    report = validate_document(etree.tostring(root), policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED"
    assert "dsig.unsigned_object" in {w.code for w in report.signatures[0].warnings}
    assert all(b"999999" not in data for data in report.signed_data)


def test_report_json_shape_matches_the_documented_schema(pki, policy, env) -> None:
    import json
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "REPORT_SCHEMA.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_0-9]+)`", doc, re.M))
    documented |= {"signatures_count", "valid_signatures_count"}
    data = json.loads(validate_document(_sign(pki, level="B-T"), policy=policy, env=env).to_json())
    signature = data["signatures"][0]
    assert set(data) <= documented | {"errors", "warnings"}
    assert set(signature) <= documented | {"errors", "warnings", "indication", "sub_indication"}
    assert {"indication", "sub_indication", "schema_version", "signatures"} <= set(data)


def test_timestamp_token_checks(pki) -> None:
    import hashlib
    from datetime import UTC, datetime

    from asn1crypto import tsp as asn1_tsp

    from signatures import tsp

    data = b"<ds:SignatureValue>abc</ds:SignatureValue>"

    def token(signer, imprint: bytes) -> bytes:
        tst = asn1_tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.2.3.4.1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": imprint,
                },
                "serial_number": 7,
                "gen_time": datetime.now(UTC),
            }
        )
        return pki.make_token(tst.dump(), signer).dump()

    good = tsp.verify_token(token(pki.tsa, hashlib.sha256(data).digest()), data)
    assert good.ok and good.serial_number == 7
    wrong_imprint = tsp.verify_token(token(pki.tsa, hashlib.sha256(b"x").digest()), data)
    assert not wrong_imprint.ok and "imprint" in wrong_imprint.message
    no_eku = tsp.verify_token(token(pki.signer, hashlib.sha256(data).digest()), data)
    assert not no_eku.ok and "timeStamping" in no_eku.message
    assert not tsp.verify_token(b"\x30\x03\x02\x01\x00", data).ok


def test_present_check_accepts_an_ocsp_answer_made_after_the_check_began(pki) -> None:
    """On a loaded machine the OCSP answer can be produced seconds after the validation began;
    a check at the present time must not call it "too recent" (it did: a 1 s tolerance)."""
    from datetime import UTC, datetime

    signer = pki.issue("Slow answer", crl_url=False)  # OCSP only
    began = datetime.now(UTC) - timedelta(seconds=60)  # the test responder backdates by 30 s
    check = pkix.check_certificate(
        signer.cert,
        pool=[pki.ca.cert],
        anchors=[pki.root.cert],
        moment=began,
        env=pkix.PkixEnvironment(),
    )
    assert (check.status, check.revocation[0].source) == ("ok", "OCSP")
