"""Detached XAdES (a file and its .xades) and ASiC-E, signed by xmlsec1 (an independent
XMLDSig implementation) over a PDF, validated by signatures.detached with the test PKI."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization

from signatures import services
from signatures.detached import is_asic, validate_asic, validate_detached
from signatures.signer import _issuer_serial_v2
from signatures.tests.pdfs import make_pdf

pytestmark = pytest.mark.usefixtures("xmlsec1_installed")

XMLSEC1 = shutil.which("xmlsec1") or "xmlsec1"
ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
SIGNATURE = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
{references}
<ds:Reference URI="#sp-1" Type="http://uri.etsi.org/01903#SignedProperties"><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
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
</xades:QualifyingProperties></ds:Object></ds:Signature>"""
REFERENCE = """<ds:Reference URI="{uri}">
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>"""


def xmlsec1_detached(tmp_path, pki, files: dict[str, bytes], uris: list[str], asic=False) -> bytes:
    """Sign ``files`` (written next to the template, where xmlsec1 resolves the URIs)."""
    ident = pki.signer
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    signature = SIGNATURE.format(
        references="\n".join(REFERENCE.format(uri=uri) for uri in uris),
        cert=base64.b64encode(ident.der).decode(),
        ca=base64.b64encode(pki.ca.der).decode(),
        time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        digest=base64.b64encode(hashlib.sha256(ident.der).digest()).decode(),
        issuer_serial=base64.b64encode(_issuer_serial_v2(ident.cert)).decode(),
    )
    if asic:
        signature = (
            f'<asic:XAdESSignatures xmlns:asic="{ASIC_NS}">{signature}</asic:XAdESSignatures>'
        )
    (tmp_path / "template.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + signature)
    (tmp_path / "key.pem").write_bytes(
        ident.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    result = subprocess.run(
        [XMLSEC1, "--sign", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
         "--privkey-pem", "key.pem", "--output", "signed.xades", "template.xml"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return (tmp_path / "signed.xades").read_bytes()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return make_pdf(2)


def test_detached_xades_over_a_pdf_passes(tmp_path, pki, policy, env, pdf) -> None:
    xades = xmlsec1_detached(tmp_path, pki, {"wniosek.pdf": pdf}, ["wniosek.pdf"])

    report = validate_detached(xades, files={"wniosek.pdf": pdf}, policy=policy, env=env)

    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None), report.to_dict()
    scope = [(s.uri, s.kind) for s in report.signatures[0].scope]
    assert ("wniosek.pdf", "DETACHED") in scope


def test_same_signature_over_another_file_is_hash_failure(tmp_path, pki, policy, env, pdf):
    xades = xmlsec1_detached(tmp_path, pki, {"wniosek.pdf": pdf}, ["wniosek.pdf"])
    other = make_pdf(2, text="Wniosek o zwrot podatku")

    report = validate_detached(xades, files={"wniosek.pdf": other}, policy=policy, env=env)

    assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_file_matched_by_decoded_name_and_missing_file_is_signed_data_not_found(
    tmp_path, pki, policy, env, pdf
) -> None:
    xades = xmlsec1_detached(
        tmp_path, pki, {"wniosek o dowód.pdf": pdf}, ["wniosek%20o%20dow%C3%B3d.pdf"]
    )

    found = validate_detached(
        xades, files={"C:\\Pobrane\\wniosek o dowód.pdf": pdf}, policy=policy, env=env
    )
    missing = validate_detached(xades, files={"inny.pdf": pdf}, policy=policy, env=env)

    assert found.indication == "TOTAL_PASSED", found.to_dict()
    assert (missing.indication, missing.sub_indication) == (
        "INDETERMINATE",
        "SIGNED_DATA_NOT_FOUND",
    )


def _asic(entries: list[tuple[str, bytes]], mimetype=b"application/vnd.etsi.asic-e+zip"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first
        for name, content in entries:
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_asic_e_container_validates_each_signature_over_its_files(
    tmp_path, pki, policy, env, pdf
) -> None:
    annex = b"Zalacznik: oswiadczenie"
    files = {"wniosek.pdf": pdf, "zalacznik.txt": annex}
    xades = xmlsec1_detached(tmp_path, pki, files, list(files), asic=True)
    container = _asic([*files.items(), ("META-INF/signatures0.xml", xades)])
    assert is_asic(container)

    report = services.validate(container, policy=policy, env=env)

    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None), report.to_dict()
    assert report.warnings == []
    changed = _asic(
        [("wniosek.pdf", pdf), ("zalacznik.txt", b"zmienione"), ("META-INF/signatures0.xml", xades)]
    )
    bad = validate_asic(changed, policy=policy, env=env)
    assert (bad.indication, bad.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_asic_e_file_no_signature_covers_is_reported(tmp_path, pki, policy, env, pdf) -> None:
    xades = xmlsec1_detached(tmp_path, pki, {"wniosek.pdf": pdf}, ["wniosek.pdf"], asic=True)
    container = _asic(
        [("wniosek.pdf", pdf), ("dopisany.txt", b"x"), ("META-INF/signatures0.xml", xades)]
    )

    report = validate_asic(container, policy=policy, env=env)

    assert report.indication == "TOTAL_PASSED"
    assert [w.code for w in report.warnings] == ["asic.unsigned_file"]
    assert "dopisany.txt" in report.warnings[0].message


@pytest.mark.parametrize(
    "container",
    [
        _asic([("a.txt", b"x")], mimetype=b"application/zip"),
        _asic([("a.txt", b"x")]),  # no signature file
        _asic([])[:60],  # truncated
    ],
)
def test_bad_container_is_format_failure(policy, env, container) -> None:
    report = validate_asic(container, policy=policy, env=env)

    assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert report.errors[0].code == "asic.format"
