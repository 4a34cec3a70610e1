from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from sekap.audit.models import AuditEntry
from signatures import services
from signatures.models import BatchItem, TrustedCertificate, TrustedListImport, ValidationBatch
from signatures.signer import sign_enveloped
from signatures.tasks import validate_batch
from signatures.tests.corpus.build import BASE

pytestmark = pytest.mark.django_db

TL_NS = "http://uri.etsi.org/02231/v2#"


def test_trust_store_row_makes_signature_trusted(pki, corpus, settings) -> None:
    services.reset_environment()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = ""
    data = corpus["valid_b_b"].data
    assert services.validate(data).sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    row = services.trusted_certificate_add(
        certificate=pki.root.cert.public_bytes(serialization.Encoding.PEM),
        label="Test root",
        actor=None,
    )
    assert services.validate(data).indication == "TOTAL_PASSED"
    assert AuditEntry.objects.filter(action="signatures.trusted_certificate_added").exists()
    services.trusted_certificate_deactivate(certificate=row, actor=None)
    assert services.validate(data).sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_batch_is_idempotent_and_shares_revocation_lookups(pki, corpus, sekap_trust) -> None:
    signer = pki.issue("Batch signer")
    docs = [
        (
            f"doc{i}.xml",
            sign_enveloped(
                BASE.replace(b"<Kwota>100<", f"<Kwota>{i}<".encode()),
                key=signer.signing_key,
                cert_chain=[signer.cert, pki.ca.cert],
            ),
        )
        for i in range(5)
    ]
    docs.append(("bad.xml", corpus["tampered_content"].data))
    batch = services.batch_create(label="Test batch", documents=docs, actor=None)
    before = sum(pki.requests.values())
    validate_batch.delay(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ValidationBatch.Status.DONE
    assert (batch.total, batch.processed, batch.passed, batch.failed) == (6, 6, 5, 1)
    assert batch.progress_percent == 100
    # Revocation data fetched once for the shared signer (an OCSP answer, or the CA's CRL and
    # the root's CRL for the CA), not once per document.
    assert sum(pki.requests.values()) - before <= 3
    first = list(BatchItem.objects.filter(batch=batch).values_list("validated_at", flat=True))
    services.batch_run(batch=batch)
    assert (
        list(BatchItem.objects.filter(batch=batch).values_list("validated_at", flat=True)) == first
    )


def test_batch_resumes_after_partial_run(pki, corpus, sekap_trust) -> None:
    batch = services.batch_create(
        label="Resume",
        documents=[("a.xml", corpus["valid_b_b"].data), ("b.xml", corpus["unknown_ca"].data)],
        actor=None,
    )
    item = BatchItem.objects.filter(batch=batch).first()
    item.validated_at = datetime.now(UTC)
    item.indication = "TOTAL_PASSED"
    item.save()
    services.batch_run(batch=batch)
    batch.refresh_from_db()
    assert (batch.processed, batch.passed, batch.indeterminate) == (2, 1, 1)


def _trusted_list(pki, sequence: int, signer_ident) -> bytes:
    der = pki.ca.der
    import base64

    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="{TL_NS}" Id="TSL-PL" TSLTag="http://uri.etsi.org/19612/TSLTag">
<SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier>
<TSLSequenceNumber>{sequence}</TSLSequenceNumber><SchemeTerritory>PL</SchemeTerritory>
<ListIssueDateTime>2026-11-01T00:00:00Z</ListIssueDateTime>
<NextUpdate><dateTime>2027-05-01T00:00:00Z</dateTime></NextUpdate></SchemeInformation>
<TrustServiceProviderList><TrustServiceProvider>
<TSPInformation><TSPName><Name xml:lang="en">Test QTSP</Name></TSPName></TSPInformation>
<TSPServices>
<TSPService><ServiceInformation><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
<ServiceName><Name xml:lang="en">Qualified CA</Name></ServiceName>
<ServiceDigitalIdentity><DigitalId><X509Certificate>{base64.b64encode(der).decode()}</X509Certificate></DigitalId></ServiceDigitalIdentity>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus></ServiceInformation></TSPService>
<TSPService><ServiceInformation><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
<ServiceName><Name xml:lang="en">Withdrawn CA</Name></ServiceName>
<ServiceDigitalIdentity><DigitalId><X509Certificate>{base64.b64encode(pki.other_root.der).decode()}</X509Certificate></DigitalId></ServiceDigitalIdentity>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn</ServiceStatus></ServiceInformation></TSPService>
</TSPServices></TrustServiceProvider></TrustServiceProviderList>
</TrustServiceStatusList>
"""
    return sign_enveloped(
        xml.encode(), key=signer_ident.signing_key, cert_chain=[signer_ident.cert]
    )


def test_import_trusted_list(tmp_path, pki, corpus, settings) -> None:
    services.reset_environment()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = ""
    list_signer = pki.issue("PL TSL signer")
    signer_pem = tmp_path / "signer.pem"
    signer_pem.write_bytes(list_signer.cert.public_bytes(serialization.Encoding.PEM))
    path = tmp_path / "tsl.xml"
    path.write_bytes(_trusted_list(pki, 42, list_signer))
    call_command("import_trusted_list", str(path), "--signer-cert", str(signer_pem))
    rows = TrustedCertificate.objects.filter(source="trusted_list")
    assert [r.label for r in rows] == ["PL: Qualified CA"]
    assert TrustedListImport.objects.get().sequence_number == 42
    # The issuing CA is now an anchor: signatures under it validate.
    assert services.validate(corpus["valid_b_b"].data).indication == "TOTAL_PASSED"
    # Tampered list, wrong signer, and an older list are refused.
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(path.read_bytes().replace(b"withdrawn", b"granted"))
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_trusted_list", str(tampered), "--signer-cert", str(signer_pem))
    other = tmp_path / "other.pem"
    other.write_bytes(pki.signer.cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CommandError, match="pinned"):
        call_command("import_trusted_list", str(path), "--signer-cert", str(other))
    older = tmp_path / "older.xml"
    older.write_bytes(_trusted_list(pki, 41, list_signer))
    with pytest.raises(CommandError, match="Older"):
        call_command("import_trusted_list", str(older), "--signer-cert", str(signer_pem))


def test_trusted_profile_sign_for_verified_user(pki, sekap_trust, settings) -> None:
    from sekap.accounts.tests.factories import UserFactory, VerifiedCitizenFactory

    settings.SIGNATURES_TSA_URL = f"{pki.base_url}/tsa"
    user = VerifiedCitizenFactory(first_name="Anna", last_name="Nowak")
    signed = services.trusted_profile_sign(
        xml_bytes=BASE, user=user, key=pki.seal.signing_key, cert_chain=[pki.seal.cert, pki.ca.cert]
    )
    report = services.validate(signed)
    assert report.indication == "TOTAL_PASSED"
    identity = report.signatures[0].trusted_profile
    assert (identity.given_name, identity.surname, identity.pesel, identity.account_id) == (
        "Anna",
        "Nowak",
        user.pesel,
        str(user.pk),
    )
    assert report.signatures[0].signature_level == "XAdES-BASELINE-B-T"
    assert AuditEntry.objects.filter(action="signatures.trusted_profile_signed").exists()
    with pytest.raises(services.TrustedProfileRefused):
        services.trusted_profile_sign(
            xml_bytes=BASE, user=UserFactory(), key=pki.seal.signing_key, cert_chain=[pki.seal.cert]
        )


def test_admin_can_upload_a_trusted_certificate(client, pki) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

    admin_user = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, admin_user)
    upload = SimpleUploadedFile(
        "root.pem", pki.other_root.cert.public_bytes(serialization.Encoding.PEM)
    )
    response = client.post(
        "/admin/signatures/trustedcertificate/add/",
        {"label": "Other root", "active": "on", "upload": upload},
    )
    assert response.status_code == 302, response.content[:2000]
    row = TrustedCertificate.objects.get(label="Other root")
    assert row.subject == pki.other_root.cert.subject.rfc4514_string()
    assert AuditEntry.objects.filter(action="signatures.trusted_certificate_added").exists()
    assert client.get("/admin/signatures/validationbatch/").status_code == 200


def test_stale_batch_sweeper_resumes_work(pki, corpus, sekap_trust) -> None:
    from datetime import timedelta

    from signatures.tasks import resume_stale_batches

    batch = services.batch_create(
        label="Stale", documents=[("a.xml", corpus["valid_b_b"].data)], actor=None, start=False
    )
    ValidationBatch.objects.filter(pk=batch.pk).update(
        created_at=datetime.now(UTC) - timedelta(hours=1)
    )
    assert resume_stale_batches() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.passed) == (ValidationBatch.Status.DONE, 1)
    assert resume_stale_batches() == 0


def test_batch_validates_outside_any_transaction(pki, corpus, sekap_trust, monkeypatch) -> None:
    """Validation may fetch OCSP and CRLs: no transaction or row lock may be open around it."""
    from django.db import connection

    batch = services.batch_create(
        label="No lock", documents=[("a.xml", corpus["valid_b_b"].data)], actor=None
    )
    outer = len(connection.atomic_blocks)  # the test's own transaction
    depths: list[int] = []
    real_validate = services.validate

    def recording_validate(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(services, "validate", recording_validate)
    services.batch_run(batch=batch)
    batch.refresh_from_db()
    assert depths == [outer]
    assert (batch.processed, batch.passed) == (1, 1)
