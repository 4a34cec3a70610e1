"""XAdES interoperability: our signatures in signxml and xmlsec1, theirs in our validator."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.xades import XAdESSigner, XAdESVerifier

from signatures import pkix, signer
from signatures.signer import _issuer_serial_v2
from signatures.tests.corpus.build import BASE
from signatures.tests.pki import build_pki
from signatures.validator import ValidationPolicy, validate_document

pytestmark = pytest.mark.interop

XMLSEC1 = shutil.which("xmlsec1") or "xmlsec1"


@pytest.fixture(scope="module")
def pki():
    instance = build_pki()
    yield instance
    instance.stop()


@pytest.fixture
def policy(pki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=(pki.root.der,))


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _ours(pki, ident=None, **kwargs) -> bytes:
    ident = ident or pki.signer
    return signer.sign_enveloped(
        BASE,
        key=ident.signing_key,
        cert_chain=[ident.cert, pki.ca.cert],
        tsa_url=f"{pki.base_url}/tsa",
        **kwargs,
    )


class _BackdatedSigner(XAdESSigner):
    signing_time: datetime | None = None

    def add_signing_time(self, signed_signature_properties, sig_root, signing_settings):
        super().add_signing_time(signed_signature_properties, sig_root, signing_settings)
        if self.signing_time is not None:
            element = signed_signature_properties[-1]
            element.text = self.signing_time.isoformat(timespec="seconds")


def _signxml(pki, ident=None, signing_time: datetime | None = None) -> bytes:
    ident = ident or pki.signer
    xades = _BackdatedSigner(signature_algorithm="ecdsa-sha256", digest_algorithm="sha256")
    xades.signing_time = signing_time
    signed = xades.sign(
        etree.fromstring(BASE),
        key=ident.key,
        cert=[_pem(ident.cert).decode(), _pem(pki.ca.cert).decode()],
    )
    return etree.tostring(signed)


def _xmlsec1_verify(tmp_path, pki, data: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "doc.xml").write_bytes(data)
    (tmp_path / "ca.pem").write_bytes(_pem(pki.root.cert) + _pem(pki.ca.cert))
    return subprocess.run(
        [
            XMLSEC1, "--verify", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            "--trusted-pem", str(tmp_path / "ca.pem"), str(tmp_path / "doc.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_our_signature_passes_signxml_xades_verifier(pki, level) -> None:
    results = XAdESVerifier().verify(
        _ours(pki, level=level), x509_cert=_pem(pki.signer.cert).decode(), expect_references=2
    )
    assert b"<Kwota>100</Kwota>" in results[0].signed_data


@pytest.mark.usefixtures("xmlsec1_installed")
@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_our_signature_passes_xmlsec1(tmp_path, pki, level) -> None:
    result = _xmlsec1_verify(tmp_path, pki, _ours(pki, level=level))
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 2/2" in result.stderr


@pytest.mark.usefixtures("xmlsec1_installed")
def test_our_xpath_transform_matches_xmlsec1(tmp_path, pki) -> None:
    # The not(ancestor-or-self::ds:Signature) transform: libxmlsec1 computes the same digest.
    result = _xmlsec1_verify(tmp_path, pki, _ours(pki, parallel=True))
    assert result.returncode == 0, result.stderr


@pytest.mark.usefixtures("xmlsec1_installed")
def test_xmlsec1_rejects_our_tampered_signature(tmp_path, pki) -> None:
    tampered = _ours(pki).replace(b"<Kwota>100<", b"<Kwota>900<")
    assert _xmlsec1_verify(tmp_path, pki, tampered).returncode != 0


def test_signxml_signature_validates(pki, policy) -> None:
    report = validate_document(_signxml(pki), policy=policy, env=pkix.PkixEnvironment())
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert "KEY_INFO" in {s.kind for s in report.signatures[0].scope}


def test_signxml_signature_revoked_with_and_without_timestamp(pki, policy) -> None:
    ident = pki.issue("signxml revoked")
    now = datetime.now(UTC)
    pki.tsa_time = now - timedelta(minutes=30)
    try:
        b_b = _signxml(pki, ident, signing_time=now - timedelta(minutes=40))
        b_t = signer.add_signature_timestamp(
            _signxml(pki, ident, signing_time=now - timedelta(minutes=40)),
            tsa_url=f"{pki.base_url}/tsa",
        )
    finally:
        pki.tsa_time = None
    assert (
        validate_document(b_t, policy=policy, env=pkix.PkixEnvironment()).indication
        == "TOTAL_PASSED"
    )
    pki.revoke(ident.cert, now - timedelta(minutes=10))
    after_t = validate_document(b_t, policy=policy, env=pkix.PkixEnvironment())
    assert after_t.indication == "TOTAL_PASSED", after_t.to_dict()
    assert "xcv.revoked_after_best_signature_time" in {
        w.code for w in after_t.signatures[0].warnings
    }
    after_b = validate_document(b_b, policy=policy, env=pkix.PkixEnvironment())
    # signxml wrote the SigningTime before revocation and there is no POE: INDETERMINATE.
    assert (after_b.indication, after_b.sub_indication) == ("INDETERMINATE", "REVOKED_NO_POE")


TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<Wniosek xmlns="urn:sekap:wniosek" Id="wniosek-1" xml:lang="pl">
  <Kwota>100</Kwota>
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="{c14n}"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference URI=""><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="{c14n}"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
<ds:Reference URI="#sp-1" Type="http://uri.etsi.org/01903#SignedProperties"><ds:Transforms>
<ds:Transform Algorithm="{c14n}"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/>
<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>
<ds:X509Certificate>{ca}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
<ds:Object>
<xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1">
<xades:SignedProperties Id="sp-1"><xades:SignedSignatureProperties>
<xades:SigningTime>{time}</xades:SigningTime>
<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue>{digest}</ds:DigestValue></xades:CertDigest>
<xades:IssuerSerialV2>{issuer_serial}</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2>
</xades:SignedSignatureProperties></xades:SignedProperties>
</xades:QualifyingProperties></ds:Object></ds:Signature>
</Wniosek>
"""


def _xmlsec1_sign(tmp_path, pki, ident, c14n: str, signing_time: datetime) -> bytes:
    der = ident.der
    template = TEMPLATE.format(
        c14n=c14n,
        cert=base64.b64encode(der).decode(),
        ca=base64.b64encode(pki.ca.der).decode(),
        time=signing_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        digest=base64.b64encode(hashlib.sha256(der).digest()).decode(),
        issuer_serial=base64.b64encode(_issuer_serial_v2(ident.cert)).decode(),
    )
    (tmp_path / "template.xml").write_text(template)
    (tmp_path / "key.pem").write_bytes(
        ident.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out = tmp_path / "signed.xml"
    result = subprocess.run(
        [
            XMLSEC1, "--sign", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            "--privkey-pem", str(tmp_path / "key.pem"), "--output", str(out),
            str(tmp_path / "template.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"


@pytest.mark.usefixtures("xmlsec1_installed")
@pytest.mark.parametrize(
    "c14n",
    [
        EXC,
        # Inclusive C14N with xml:lang on the document element: checks our xml:* inheritance.
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ],
)
def test_xmlsec1_signed_xades_validates(tmp_path, pki, policy, c14n) -> None:
    signed = _xmlsec1_sign(tmp_path, pki, pki.signer, c14n, datetime.now(UTC))
    report = validate_document(signed, policy=policy, env=pkix.PkixEnvironment())
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    tampered = signed.replace(b"<Kwota>100<", b"<Kwota>101<")
    bad = validate_document(tampered, policy=policy, env=pkix.PkixEnvironment())
    assert (bad.indication, bad.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


@pytest.mark.usefixtures("xmlsec1_installed")
def test_xmlsec1_signature_revoked_with_and_without_timestamp(tmp_path, pki, policy) -> None:
    ident = pki.issue("xmlsec1 revoked")
    now = datetime.now(UTC)
    b_b = _xmlsec1_sign(tmp_path, pki, ident, EXC, now - timedelta(minutes=40))
    pki.tsa_time = now - timedelta(minutes=30)
    try:
        b_t = signer.add_signature_timestamp(b_b, tsa_url=f"{pki.base_url}/tsa")
    finally:
        pki.tsa_time = None
    pki.revoke(ident.cert, now - timedelta(minutes=10))
    after_t = validate_document(b_t, policy=policy, env=pkix.PkixEnvironment())
    assert after_t.indication == "TOTAL_PASSED", after_t.to_dict()
    after_b = validate_document(b_b, policy=policy, env=pkix.PkixEnvironment())
    assert (after_b.indication, after_b.sub_indication) == ("INDETERMINATE", "REVOKED_NO_POE")
