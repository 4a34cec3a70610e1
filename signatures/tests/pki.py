"""A throw-away test PKI: root, issuing CA, signer certificates, an OCSP responder, CRLs and an
RFC 3161 TSA, served over real HTTP on 127.0.0.1 (no mocks of our own code)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signatures.signer import SoftwareKey

P256 = ec.SECP256R1()


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if "serial" in extra:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]))
    if "given" in extra:
        attrs.append(x509.NameAttribute(NameOID.GIVEN_NAME, extra["given"]))
    if "surname" in extra:
        attrs.append(x509.NameAttribute(NameOID.SURNAME, extra["surname"]))
    if "org" in extra:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["org"]))
    return x509.Name(attrs)


@dataclass
class Identity:
    key: object
    cert: x509.Certificate

    @property
    def signing_key(self) -> SoftwareKey:
        return SoftwareKey(self.key)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@dataclass
class TestPki:
    base_url: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    revoked: dict[int, datetime] = field(default_factory=dict)
    tsa_time: datetime | None = None
    requests: dict[str, int] = field(default_factory=dict)
    ocsp_down: bool = False
    # More issuing CAs (make_issuing_ca), each with its CRL at /crl/<name>.crl.
    extra_cas: dict[str, Identity] = field(default_factory=dict)

    def start(self) -> None:
        pki = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _reply(self, body: bytes, ctype: str, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                pki.requests[self.path] = pki.requests.get(self.path, 0) + 1
                if self.path == "/ca.crl":
                    self._reply(pki.crl(pki.ca), "application/pkix-crl")
                elif self.path == "/root.crl":
                    self._reply(pki.crl(pki.root), "application/pkix-crl")
                elif self.path.startswith("/crl/") and self.path[5:-4] in pki.extra_cas:
                    self._reply(pki.crl(pki.extra_cas[self.path[5:-4]]), "application/pkix-crl")
                else:
                    self._reply(b"", "text/plain", 404)

            def do_POST(self) -> None:
                pki.requests[self.path] = pki.requests.get(self.path, 0) + 1
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/ocsp" and not pki.ocsp_down:
                    self._reply(pki.ocsp_response(body), "application/ocsp-response")
                elif self.path == "/tsa":
                    self._reply(pki.tsa_response(body), "application/timestamp-reply")
                else:
                    self._reply(b"", "text/plain", 503)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.root = self._make_ca("SEKAP Test Root", None)
        self.ca = self._make_ca(
            "SEKAP Test Issuing CA", self.root, crl_url=f"{self.base_url}/root.crl"
        )
        self.other_root = self._make_ca("Unknown Root", None)
        self.tsa = self.issue(
            "SEKAP Test TSA",
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
            key_usage="digital_signature",
            ocsp_url=True,
        )

    def stop(self) -> None:
        self.server.shutdown()

    def _make_ca(
        self,
        cn: str,
        parent: Identity | None,
        crl_url: str | None = None,
        not_after: datetime | None = None,
    ) -> Identity:
        key = ec.generate_private_key(P256)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(parent.cert.subject if parent else _name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - timedelta(days=365))
            .not_valid_after(not_after or self.now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if parent:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.cert.public_key()),
                critical=False,
            )
        if crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(crl_url)], None, None, None
                        )
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(parent.key if parent else key, hashes.SHA256())
        return Identity(key, cert)

    def make_issuing_ca(
        self, name: str, *, cn: str | None = None, not_after: datetime | None = None
    ) -> Identity:
        """Another issuing CA under the root (``cn`` may repeat another CA's name); its
        signers' CRL is served at /crl/<name>.crl (``issue(..., crl_path=...)``)."""
        ca = self._make_ca(
            cn or name, self.root, crl_url=f"{self.base_url}/root.crl", not_after=not_after
        )
        self.extra_cas[name] = ca
        return ca

    def issue(
        self,
        cn: str,
        *,
        issuer: Identity | None = None,
        key: object | None = None,
        key_usage: str = "non_repudiation",
        eku: list | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        ocsp_url: bool = True,
        crl_url: bool = True,
        crl_path: str = "/ca.crl",
        rsa_bits: int | None = None,
        subject: dict | None = None,
    ) -> Identity:
        issuer = issuer or self.ca
        if key is None:
            key = (
                rsa.generate_private_key(65537, rsa_bits)
                if rsa_bits
                else ec.generate_private_key(P256)
            )
        usage = dict.fromkeys(
            [
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ],
            False,
        )
        for name in key_usage.split(","):
            usage["content_commitment" if name == "non_repudiation" else name] = True
        pub = key.public_key() if hasattr(key, "public_key") else key
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn, **(subject or {})))
            .issuer_name(issuer.cert.subject)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - timedelta(days=30))
            .not_valid_after(not_after or self.now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()),
                critical=False,
            )
        )
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
        if ocsp_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.oid.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(f"{self.base_url}/ocsp"),
                        )
                    ]
                ),
                critical=False,
            )
        if crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(f"{self.base_url}{crl_path}")],
                            None,
                            None,
                            None,
                        )
                    ]
                ),
                critical=False,
            )
        return Identity(key, builder.sign(issuer.key, hashes.SHA256()))

    def revoke(self, cert: x509.Certificate, when: datetime) -> None:
        self.revoked[cert.serial_number] = when

    # --- responders ---------------------------------------------------------------------------

    def crl(self, issuer: Identity) -> bytes:
        now = datetime.now(UTC)
        entries = [
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            for serial, when in self.revoked.items()
        ]
        crl = x509.CertificateRevocationListBuilder(
            issuer_name=issuer.cert.subject,
            last_update=now - timedelta(minutes=1),
            next_update=now + timedelta(hours=1),
            revoked_certificates=entries,
        )
        crl = crl.add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        crl = crl.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()),
            critical=False,
        )
        return crl.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        serial = request.serial_number
        now = datetime.now(UTC)
        # Find the certificate we issued (we only answer for the issuing CA).
        cert = self.issued.get(serial)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        revoked_at = self.revoked.get(serial)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert,
            issuer=self.ca.cert,
            algorithm=hashes.SHA1(),  # noqa: S303
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(seconds=30),
            next_update=now + timedelta(hours=1),
            revocation_time=revoked_at,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca.cert)
        return builder.sign(self.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    @property
    def issued(self) -> dict[int, x509.Certificate]:
        return self._issued

    def tsa_response(self, body: bytes) -> bytes:
        request = tsp.TimeStampReq.load(body)
        gen_time = self.tsa_time or datetime.now(UTC)
        tst = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.2.3.4.1",
                "message_imprint": request["message_imprint"],
                "serial_number": int.from_bytes(
                    hashlib.sha256(body + str(gen_time).encode()).digest()[:8], "big"
                ),
                "gen_time": gen_time,
                "nonce": request["nonce"],
            }
        )
        return tsp.TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": self.make_token(tst.dump(), self.tsa),
            }
        ).dump()

    def make_token(self, tst_der: bytes, signer: Identity) -> cms.ContentInfo:
        cert_der = signer.der
        asn1_cert = asn1_x509.Certificate.load(cert_der)
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}
                ),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [{"certs": [{"cert_hash": hashlib.sha256(cert_der).digest()}]}],
                    }
                ),
            ]
        )
        signature = signer.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": asn1_cert.issuer,
                            "serial_number": asn1_cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst_der),
                },
                "certificates": [asn1_cert, asn1_x509.Certificate.load(self.ca.der)],
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def build_pki() -> TestPki:
    pki = TestPki()
    pki._issued = {}
    original_issue = pki.issue

    def tracking_issue(*args, **kwargs):
        ident = original_issue(*args, **kwargs)
        pki._issued[ident.cert.serial_number] = ident.cert
        return ident

    pki.issue = tracking_issue  # type: ignore[method-assign]
    pki.start()
    pki.signer = pki.issue(
        "Jan Kowalski",
        subject={"serial": "PNOPL-44051401359", "given": "Jan", "surname": "Kowalski"},
    )
    pki.seal = pki.issue(
        "SEKAP Platform Seal", key_usage="non_repudiation", subject={"org": "SEKAP"}
    )
    return pki
