"""The UPO (UPP and UPD) validates in our validator through ``manage.py verify_signature``
(revocation fetched over HTTP from the live OCSP responder and CRLs) and in ``xmlsec1``."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from certauth.models import CertificateAuthority
from certauth.services import seals
from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import (
    ensure_profiles,
    pki_dir,  # noqa: F401
)
from documents import services
from documents.services import intake
from documents.tests.fixtures import document_for, make_citizen, make_service, pesel
from offices.models import StaffMembership
from sekap.accounts.tests.factories import StaffFactory
from signatures import services as signatures

pytestmark = pytest.mark.interop
XMLSEC1 = shutil.which("xmlsec1") or "xmlsec1"


@pytest.fixture
def live_pki(live_server, transactional_db, pki_dir, settings):  # noqa: F811
    settings.CERTAUTH_BASE_URL = live_server.url
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
    ensure_profiles()
    ca_init()
    seals.forget_cached_seals()
    signatures.reset_environment()
    yield CertificateAuthority.objects.get(slug="sekap-issuing")
    signatures.reset_environment()
    seals.forget_cached_seals()


def _verify_command(path: Path) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("verify_signature", str(path), stdout=out)
    except SystemExit as exc:
        return out.getvalue(), int(exc.code or 0)
    return out.getvalue(), 0


def _xmlsec1(tmp_path: Path, issuing: CertificateAuthority, data: bytes):
    pem = b"".join(_pem(bytes(ca.certificate_der)) for ca in (issuing.parent, issuing))
    (tmp_path / "cas.pem").write_bytes(pem)
    (tmp_path / "upo.xml").write_bytes(data)
    return subprocess.run(
        [
            XMLSEC1,
            "--verify",
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            "--trusted-pem",
            str(tmp_path / "cas.pem"),
            str(tmp_path / "upo.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _pem(der: bytes) -> bytes:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def _receipts(issuing):
    setup = make_service()
    citizen = make_citizen(issuing, pesel=pesel(61))
    submission = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup)),
        idempotency_key="interop",
        channel="api",
    )
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.signature_indication == "TOTAL_PASSED"
    clerk = StaffFactory()
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    letter = services.letter_send(
        case=submission.case, clerk=clerk, kind="letter", title="Pismo", body="Treść pisma."
    )
    message = letter.messages.get()
    services.inbox_open(user=citizen.user, message=message)
    letter.refresh_from_db()
    return bytes(submission.receipt.xml), bytes(letter.receipts.get().xml), bytes(letter.xml)


def test_upo_passes_verify_signature_command_and_xmlsec1(live_pki, tmp_path, xmlsec1_installed):
    upp, upd, sealed_letter = _receipts(live_pki)
    for name, data in (("upp", upp), ("upd", upd), ("letter", sealed_letter)):
        path = tmp_path / f"{name}.xml"
        path.write_bytes(data)
        output, code = _verify_command(path)
        assert code == 0, output
        assert "TOTAL_PASSED" in output
        result = _xmlsec1(tmp_path, live_pki, data)
        assert result.returncode == 0, result.stderr
        assert "SignedInfo References (ok/all): 2/2" in result.stderr


def test_tampered_upo_fails_both(live_pki, tmp_path, xmlsec1_installed):
    upp, _upd, _letter = _receipts(live_pki)
    tampered = upp.replace(b"<pos:DataDoreczenia>2", b"<pos:DataDoreczenia>1", 1)
    assert tampered != upp
    path = tmp_path / "tampered.xml"
    path.write_bytes(tampered)
    output, code = _verify_command(path)
    assert code == 1 and "TOTAL_FAILED" in output
    assert _xmlsec1(tmp_path, live_pki, tampered).returncode != 0
