"""B-LTA evaluated: a XAdES signature made in 2018 whose signing certificate expired in 2019
still validates today through its chain of archive time-stamps (2019 and 2022, each added
before the previous TSA certificate expired); without them, or with a broken link, it is
INDETERMINATE/OUT_OF_BOUNDS_NO_POE.

The history is made on a simulated clock: a time-stamping authority sandbox that speaks
RFC 3161 over the fetcher interface and stamps the time it is set to, and CRLs issued at past
dates. Only the latest TSA is checked against the present, through a live CRL over HTTP.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from signatures import ltv_signer, pkix
from signatures.constants import XADES, XADES141
from signatures.etsi_report import VR, etsi_validation_report, schema_errors
from signatures.signer import SoftwareKey, add_signature_timestamp, sign_enveloped
from signatures.tests.corpus.build import BASE
from signatures.validator import ValidationPolicy, validate_document

T0 = datetime(2018, 3, 1, 10, 0, tzinfo=UTC)  # signed and time-stamped
T1 = datetime(2019, 10, 1, 10, 0, tzinfo=UTC)  # first archive time-stamp (TSA 2)
T2 = datetime(2022, 10, 1, 10, 0, tzinfo=UTC)  # second archive time-stamp (TSA 3)


@dataclass
class Party:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


class History:
    """A root CA, a signer and three TSAs with validity periods in the past and present."""

    def __init__(self, crl_url: str) -> None:
        self.crl_url = crl_url
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LTA Test Root")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2015, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2045, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        self.root = Party(key, cert)
        self.signer = self._issue("Jan Kowalski", 2017, 6, 2019, 12, tsa=False)
        self.tsa1 = self._issue("TSA 1", 2016, 1, 2020, 6)
        self.tsa2 = self._issue("TSA 2", 2019, 1, 2023, 6)
        self.tsa3 = self._issue("TSA 3", 2022, 1, 2040, 1)

    def _issue(self, cn: str, y1: int, m1: int, y2: int, m2: int, *, tsa: bool = True) -> Party:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(self.root.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(y1, m1, 1, tzinfo=UTC))
            .not_valid_after(datetime(y2, m2, 28, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(tsa, not tsa, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(self.crl_url)], None, None, None
                        )
                    ]
                ),
                critical=False,
            )
        )
        if tsa:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        return Party(key, builder.sign(self.root.key, hashes.SHA256()))

    def crl(self, at: datetime, revoked: dict[int, datetime] | None = None) -> bytes:
        entries = [
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            for serial, when in (revoked or {}).items()
        ]
        builder = (
            x509.CertificateRevocationListBuilder(revoked_certificates=entries)
            .issuer_name(self.root.cert.subject)
            .last_update(at)
            .next_update(at + timedelta(days=7))
            .add_extension(x509.CRLNumber(int(at.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                critical=False,
            )
        )
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class TsaSandbox:
    """An RFC 3161 time-stamping authority on the fetcher interface, on a simulated clock."""

    def __init__(self, tsa: Party, at: datetime) -> None:
        self.tsa, self.at = tsa, at

    def get(self, url: str) -> bytes:
        raise pkix.FetchError("GET is not served here")

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        assert content_type == "application/timestamp-query"
        request = tsp.TimeStampReq.load(body)
        tst = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.2.3.4.1",
                "message_imprint": request["message_imprint"],
                "serial_number": int.from_bytes(hashlib.sha256(body).digest()[:8], "big"),
                "gen_time": self.at,
                "nonce": request["nonce"],
            }
        ).dump()
        cert = asn1_x509.Certificate.load(self.tsa.der)
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(tst).digest()]}
                ),
            ]
        )
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": cert.issuer,
                            "serial_number": cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": self.tsa.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256())),
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst),
                },
                "certificates": [cert],
                "signer_infos": [signer_info],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()


@pytest.fixture(scope="module")
def history():
    box: dict[str, History] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = box["history"].crl(datetime.now(UTC) - timedelta(minutes=1))
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    box["history"] = History(f"http://127.0.0.1:{server.server_address[1]}/root.crl")
    yield box["history"]
    server.shutdown()


@pytest.fixture(scope="module")
def documents(history: History) -> dict[str, bytes]:
    h = history
    signed = sign_enveloped(
        BASE, key=SoftwareKey(h.signer.key), cert_chain=[h.signer.cert], signing_time=T0
    )
    b_t = add_signature_timestamp(
        signed, tsa_url="http://tsa.test/", fetcher=TsaSandbox(h.tsa1, T0 + timedelta(minutes=1))
    )
    b_lt = ltv_signer.add_validation_data(
        b_t, certificates=[h.signer.der, h.root.der], crls=[h.crl(T0 + timedelta(minutes=2))]
    )
    first = ltv_signer.add_timestamp_validation_data(
        b_lt, certificates=[h.tsa1.der], crls=[h.crl(T1 - timedelta(minutes=1))]
    )
    first = ltv_signer.add_archive_timestamp(
        first, tsa_url="http://tsa.test/", fetcher=TsaSandbox(h.tsa2, T1)
    )
    second = ltv_signer.add_timestamp_validation_data(
        first, certificates=[h.tsa2.der], crls=[h.crl(T2 - timedelta(minutes=1))]
    )
    second = ltv_signer.add_archive_timestamp(
        second, tsa_url="http://tsa.test/", fetcher=TsaSandbox(h.tsa3, T2)
    )
    return {"b_lt": b_lt, "one_archive": first, "two_archives": second}


def _validate(data: bytes, history: History):
    policy = ValidationPolicy(trust_anchors=(history.root.der,))
    return validate_document(data, policy=policy, env=pkix.PkixEnvironment())


def test_b_lta_with_expired_signing_certificate_validates(documents, history) -> None:
    report = _validate(documents["two_archives"], history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None), sr.errors
    assert sr.signature_level == "XAdES-BASELINE-B-LTA"
    assert history.signer.cert.not_valid_after_utc < datetime.now(UTC) - timedelta(days=365)
    kinds = [(t.type, t.indication, t.generation_time) for t in sr.timestamps]
    assert kinds == [
        ("SIGNATURE_TIMESTAMP", "PASSED", "2018-03-01T10:01:00Z"),
        ("ARCHIVE_TIMESTAMP", "PASSED", "2019-10-01T10:00:00Z"),
        ("ARCHIVE_TIMESTAMP", "PASSED", "2022-10-01T10:00:00Z"),
    ]
    assert sr.best_signature_time == "2018-03-01T10:01:00Z"
    assert "xcv.validated_at_best_signature_time" in {w.code for w in sr.warnings}
    xml = etsi_validation_report(report=report)
    assert schema_errors(xml) == []
    root = etree.fromstring(xml)
    process = root.findtext(f".//{{{VR}}}SignatureValidationProcessID")
    assert process == "urn:etsi:019102:validationprocess:LTA"
    assert len(root.findall(f".//{{{VR}}}SignatureAttributes/{{{VR}}}ArchiveTimeStamp")) == 2


def test_without_archive_time_stamps_there_is_no_proof_of_existence(documents, history) -> None:
    report = _validate(documents["b_lt"], history)
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert report.signatures[0].signature_level == "XAdES-BASELINE-B-LT"


def test_a_chain_whose_latest_tsa_expired_gives_no_proof(documents, history) -> None:
    # Only the 2019 archive time-stamp: its TSA expired in 2023 and nothing re-stamped it.
    report = _validate(documents["one_archive"], history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    archive = [t for t in sr.timestamps if t.type == "ARCHIVE_TIMESTAMP"]
    assert [(t.indication, t.sub_indication) for t in archive] == [
        ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    ]
    assert "tst.archive" in {w.code for w in sr.warnings}


def _replace_last_validation_crl(data: bytes, crl: bytes) -> bytes:
    root = etree.fromstring(data)
    values = root.findall(
        f".//{{{XADES141}}}TimeStampValidationData/{{{XADES}}}RevocationValues"
        f"/{{{XADES}}}CRLValues/{{{XADES}}}EncapsulatedCRLValue"
    )
    values[-1].text = base64.b64encode(crl).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_material_changed_under_an_archive_time_stamp_breaks_the_chain(documents, history) -> None:
    # The CRL that the 2022 stamp protects is swapped for another genuine CRL: the stamp's
    # imprint no longer matches, so neither archive time-stamp proves anything.
    forged = _replace_last_validation_crl(
        documents["two_archives"], history.crl(T2 - timedelta(minutes=2))
    )
    report = _validate(forged, history)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    archive = [
        (t.indication, t.sub_indication) for t in sr.timestamps if t.type != "SIGNATURE_TIMESTAMP"
    ]
    assert archive == [("INDETERMINATE", "NO_POE"), ("FAILED", "HASH_FAILURE")]


def test_archive_time_stamp_before_the_signature_time_stamp_is_refused(history) -> None:
    from signatures import ltv

    h = history
    data = b"protected data"
    early = TsaSandbox(h.tsa3, datetime.now(UTC) - timedelta(days=1))
    late = TsaSandbox(h.tsa3, datetime.now(UTC) - timedelta(days=2))
    from signatures.tsp import request_timestamp

    stamps = [
        ltv.Stamp(request_timestamp(data, url="x", fetcher=early), data),
        ltv.Stamp(request_timestamp(data, url="x", fetcher=late), data),
    ]
    proof = ltv.prove_existence(
        stamps=stamps,
        anchors=[h.root.cert],
        pool=[],
        env=pkix.PkixEnvironment(),
        now=datetime.now(UTC),
    )
    assert [(t.indication, t.sub_indication) for t in proof.timestamps] == [
        ("INDETERMINATE", "TIMESTAMP_ORDER_FAILURE"),
        ("PASSED", None),
    ]
    assert proof.poe == late.at.replace(microsecond=0) or proof.poe == late.at


def test_earlier_tsa_without_revocation_data_at_the_next_stamp_breaks_the_chain(
    documents, history
) -> None:
    # The 2022 stamp is added without fresh revocation data for TSA 2: the 2019 stamp cannot be
    # shown valid at 2022, so the proof stops at 2022, after the signing certificate expired.
    h = history
    second = ltv_signer.add_archive_timestamp(
        documents["one_archive"], tsa_url="http://tsa.test/", fetcher=TsaSandbox(h.tsa3, T2)
    )
    report = _validate(second, h)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    archive = [
        (t.indication, t.sub_indication) for t in sr.timestamps if t.type != "SIGNATURE_TIMESTAMP"
    ]
    assert archive == [("INDETERMINATE", "TRY_LATER"), ("PASSED", None)]
    assert sr.best_signature_time == "2022-10-01T10:00:00Z"


def test_tsa_revoked_before_the_next_stamp_breaks_the_chain(documents, history) -> None:
    # TSA 2 was revoked a month before the 2022 stamp: the 2019 stamp it made cannot be shown
    # to predate the revocation, so it proves nothing.
    h = history
    revoked = {h.tsa2.cert.serial_number: T2 - timedelta(days=30)}
    data = ltv_signer.add_timestamp_validation_data(
        documents["one_archive"],
        certificates=[h.tsa2.der],
        crls=[h.crl(T2 - timedelta(minutes=1), revoked)],
    )
    data = ltv_signer.add_archive_timestamp(
        data, tsa_url="http://tsa.test/", fetcher=TsaSandbox(h.tsa3, T2)
    )
    report = _validate(data, h)
    sr = report.signatures[0]
    assert (report.indication, report.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    archive = [
        (t.indication, t.sub_indication) for t in sr.timestamps if t.type == "ARCHIVE_TIMESTAMP"
    ]
    assert archive == [("INDETERMINATE", "REVOKED_NO_POE"), ("PASSED", None)]


def test_archive_time_stamp_input_is_charged_to_the_work_budget(documents, history) -> None:
    data = documents["two_archives"]
    generous = ValidationPolicy(trust_anchors=(history.root.der,))
    # A budget the references fit in (one whole-document canonicalisation) but the archive
    # time-stamps' input (about 8 kB more here) does not.
    budget = len(data) + 2000
    report = validate_document(
        data,
        policy=dataclasses.replace(generous, max_canonical_bytes=budget),
        env=pkix.PkixEnvironment(),
    )
    assert (report.indication, report.sub_indication) == (
        "INDETERMINATE",
        "POLICY_PROCESSING_ERROR",
    )
    assert [e.code for e in report.errors] == ["validator.work_budget"]
