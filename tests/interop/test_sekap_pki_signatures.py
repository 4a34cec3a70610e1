"""Signatures made with SEKAP certificates, validated against the live SEKAP CA.

certauth issues a citizen certificate whose AIA and CRL links point at a live test server;
the document is signed by signxml's XAdESSigner and by ``xmlsec1 --sign``; the validator,
with its default settings (the SEKAP root trusted through ``SIGNATURES_TRUST_ANCHORS_PROVIDER``),
fetches OCSP from certauth's responder over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml.xades import XAdESSigner

from certauth import keys, ocsp
from certauth.models import Profile
from certauth.services.ceremony import ca_init
from certauth.services.enrolment import issuing_ca
from certauth.services.issuance import certificate_issue, citizen_subject
from certauth.services.revocation import certificate_revoke
from certauth.tests.fixtures import ensure_profiles
from offices.models import StaffRole
from offices.services import membership_grant
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import StaffFactory
from signatures import services as signature_services
from signatures.signer import _issuer_serial_v2
from tests.interop.test_signatures_interop import EXC, TEMPLATE

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

DOCUMENT = (
    b'<Dokument xmlns="urn:test:sekap"><Tresc Id="tresc">Wniosek o wydanie '
    b"za\xc5\x9bwiadczenia</Tresc><Kwota>1700</Kwota></Dokument>"
)
XMLSEC1 = shutil.which("xmlsec1") or "xmlsec1"


@pytest.fixture
def sekap_pki(live_server, settings, tmp_path):
    settings.CERTAUTH_BASE_URL = live_server.url
    settings.CERTAUTH_PKI_DIR = str(tmp_path / "pki")
    keys.forget_loaded_keys()
    ocsp.registry.clear()
    ensure_profiles()  # a flush by an earlier transactional test removed the migration's rows
    ca_init(key_type="EC-P256")
    operator = StaffFactory()
    office = OfficeFactory()
    membership_grant(actor=None, user=operator, office=office, role=StaffRole.CA_OPERATOR)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = certificate_issue(
        ca=issuing_ca(),
        profile=Profile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(given_name="Jan", surname="Kowalski", pesel="44051401359"),
        actor=operator,
        ra_office_terc=office.terc,  # enrolled through the operator's office: in their scope
    )
    signature_services.reset_environment()  # no revocation answers cached from other tests
    yield key, certificate, operator
    signature_services.reset_environment()
    keys.forget_loaded_keys()
    ocsp.registry.clear()


def _pem(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def _sign_with_signxml(key, certificate) -> bytes:
    chain = [_pem(bytes(certificate.der)), _pem(bytes(issuing_ca().certificate_der))]
    signer = XAdESSigner(signature_algorithm="ecdsa-sha256", digest_algorithm="sha256")
    return etree.tostring(signer.sign(etree.fromstring(DOCUMENT), key=key, cert=chain))


def test_signxml_document_with_a_sekap_certificate_passes_then_revocation_fails_it(sekap_pki):
    key, certificate, operator = sekap_pki
    signed = _sign_with_signxml(key, certificate)

    report = signature_services.validate(signed)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    signed_by = report.to_dict()["signatures"][0]["signed_by"]
    assert (signed_by["pesel"], signed_by["surname"]) == ("44051401359", "Kowalski")

    certificate_revoke(certificate=certificate, reason="key_compromise", actor=operator)
    signature_services.reset_environment()
    revoked = signature_services.validate(signed)
    # B-B without a time-stamp: no proof the signature existed before the revocation.
    assert revoked.indication in ("INDETERMINATE", "TOTAL_FAILED")
    assert revoked.to_dict()["signatures"][0]["sub_indication"].startswith("REVOKED")


@pytest.mark.usefixtures("xmlsec1_installed")
def test_xmlsec1_signed_xades_with_a_sekap_certificate_passes(sekap_pki, tmp_path):
    key, certificate, _ = sekap_pki
    der = bytes(certificate.der)
    template = TEMPLATE.format(
        c14n=EXC,
        cert=base64.b64encode(der).decode(),
        ca=base64.b64encode(bytes(issuing_ca().certificate_der)).decode(),
        time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        digest=base64.b64encode(hashlib.sha256(der).digest()).decode(),
        issuer_serial=base64.b64encode(
            _issuer_serial_v2(x509.load_der_x509_certificate(der))
        ).decode(),
    )
    (tmp_path / "template.xml").write_text(template)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    result = subprocess.run(
        [XMLSEC1, "--sign", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
         "--privkey-pem", str(tmp_path / "key.pem"), "--output", str(tmp_path / "signed.xml"),
         str(tmp_path / "template.xml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    report = signature_services.validate((tmp_path / "signed.xml").read_bytes())

    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.to_dict()["signatures"][0]["signed_by"]["pesel"] == "44051401359"
