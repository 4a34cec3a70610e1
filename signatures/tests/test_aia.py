"""AIA caIssuers fetching: a signer that sends only its own certificate validates once the
issuing CA's certificate is fetched from its AIA address, and each guard refuses what it should,
against a local HTTP server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from signatures import aia, pkix
from signatures.signer import SoftwareKey, sign_enveloped
from signatures.tests.corpus.build import BASE
from signatures.validator import ValidationPolicy, validate_document

NOW = datetime.now(UTC).replace(microsecond=0)
LOOPBACK = ("127.0.0.0/8",)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _cert(cn, key, issuer_cert, issuer_key, *, ca: bool, aia_url=None, crl_url=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=10))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(not ca, not ca, False, False, False, ca, ca, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if aia_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(aia_url),
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
                        [x509.UniformResourceIdentifier(crl_url)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


class Pki:
    def __init__(self, base: str) -> None:
        self.base = base
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _cert("AIA Root", self.root_key, None, None, ca=True)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = _cert("AIA Issuing CA", self.ca_key, self.root, self.root_key, ca=True)
        other_root_key = ec.generate_private_key(ec.SECP256R1())
        other_root = _cert("Stranger Root", other_root_key, None, None, ca=True)
        self.other_ca_key = ec.generate_private_key(ec.SECP256R1())
        self.other_ca = _cert("Stranger CA", self.other_ca_key, other_root, other_root_key, ca=True)

    def leaf(self, path: str, *, issuer="ca"):
        key = ec.generate_private_key(ec.SECP256R1())
        issuer_cert, issuer_key = (
            (self.ca, self.ca_key) if issuer == "ca" else (self.other_ca, self.other_ca_key)
        )
        cert = _cert(
            "Anna Nowak",
            key,
            issuer_cert,
            issuer_key,
            ca=False,
            aia_url=path if "://" in path else f"{self.base}{path}",
            crl_url=f"{self.base}/ca.crl",
        )
        return key, cert

    def crl(self) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.ca.subject)
            .last_update(datetime.now(UTC) - timedelta(minutes=1))
            .next_update(datetime.now(UTC) + timedelta(hours=1))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
        )
        return builder.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def p7c(self) -> bytes:
        signed_data = cms.SignedData(
            {
                "version": "v1",
                "digest_algorithms": [],
                "encap_content_info": {"content_type": "data"},
                "certificates": [asn1_x509.Certificate.load(_der(self.ca))],
                "signer_infos": [],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


@pytest.fixture(scope="module")
def server():
    state: dict = {"hits": {}}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def _send(self, body: bytes, status: int = 200, **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            pki: Pki = state["pki"]
            state["hits"][self.path] = state["hits"].get(self.path, 0) + 1
            if self.path == "/ca.crt":
                self._send(_der(pki.ca))
            elif self.path == "/ca.p7c":
                self._send(pki.p7c())
            elif self.path == "/ca.crl":
                self._send(pki.crl())
            elif self.path == "/stranger.crt":
                self._send(_der(pki.other_ca))
            elif self.path == "/moved":
                self._send(b"", 302, Location="/ca.crt")
            elif self.path == "/to-ftp":
                self._send(b"", 302, Location="ftp://127.0.0.1/ca.crt")
            elif self.path == "/big":
                self._send(b"\x30" * (aia.MAX_BYTES + 10))
            elif self.path == "/slow":
                self.send_response(200)
                self.end_headers()
                try:
                    for _ in range(60):  # a byte every 0.1 s: no single read ever times out
                        self.wfile.write(b"\x30")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass
            else:
                self._send(b"", 404)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["base"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    state["pki"] = Pki(state["base"])
    yield state
    httpd.shutdown()


def _validate(server, key, cert, *, aia_fetcher):
    pki: Pki = server["pki"]
    signed = sign_enveloped(BASE, key=SoftwareKey(key), cert_chain=[cert])
    env = pkix.PkixEnvironment(fetcher=pkix.UrllibFetcher(timeout=3), aia_fetcher=aia_fetcher)
    policy = ValidationPolicy(trust_anchors=(_der(pki.root),))
    return validate_document(signed, policy=policy, env=env)


@pytest.mark.parametrize("path", ["/ca.crt", "/ca.p7c", "/moved"])
def test_missing_intermediate_is_fetched_from_aia(server, path) -> None:
    key, cert = server["pki"].leaf(path)
    report = _validate(server, key, cert, aia_fetcher=aia.GuardedFetcher(allowed_networks=LOOPBACK))
    assert (report.indication, report.sub_indication) == ("TOTAL_PASSED", None)
    roles = [(c.role, c.subject) for c in report.signatures[0].certificates]
    assert ("CA", "CN=AIA Issuing CA") in roles


def test_without_aia_fetching_the_chain_is_not_found(server) -> None:
    key, cert = server["pki"].leaf("/ca.crt")
    report = _validate(server, key, cert, aia_fetcher=None)
    assert (report.indication, report.sub_indication) == (
        "INDETERMINATE",
        "NO_CERTIFICATE_CHAIN_FOUND",
    )


def test_fetched_certificate_not_reaching_an_anchor_is_not_used(server) -> None:
    key, cert = server["pki"].leaf("/stranger.crt", issuer="other")
    fetcher = aia.GuardedFetcher(allowed_networks=LOOPBACK)
    report = _validate(server, key, cert, aia_fetcher=fetcher)
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert fetcher.requests == [f"{server['base']}/stranger.crt"]
    assert all(c.subject != "CN=Stranger CA" for c in report.signatures[0].certificates)


def test_private_address_is_refused_before_any_request(server) -> None:
    key, cert = server["pki"].leaf("/ca.crt")
    before = server["hits"].get("/ca.crt", 0)
    fetcher = aia.GuardedFetcher()  # loopback is not a global address
    with pytest.raises(aia.Refused, match="Address not allowed"):
        fetcher.get(f"{server['base']}/ca.crt")
    report = _validate(server, key, cert, aia_fetcher=aia.GuardedFetcher())
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert server["hits"].get("/ca.crt", 0) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Scheme not allowed"),
        ("ldap://127.0.0.1/cn=ca", "Scheme not allowed"),
        ("/to-ftp", "Scheme not allowed"),
        ("/big", "too large"),
        ("/slow", "Total time cap"),
    ],
)
def test_guards_refuse(server, url, message) -> None:
    fetcher = aia.GuardedFetcher(allowed_networks=LOOPBACK, max_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(aia.Refused, match=message):
        fetcher.get(url if "://" in url else f"{server['base']}{url}")
    assert time.monotonic() - started < 3.0


def test_redirect_to_another_scheme_leaves_the_chain_unfound(server) -> None:
    key, cert = server["pki"].leaf("/to-ftp")
    report = _validate(server, key, cert, aia_fetcher=aia.GuardedFetcher(allowed_networks=LOOPBACK))
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_only_get_is_allowed() -> None:
    with pytest.raises(aia.Refused):
        aia.GuardedFetcher().post("https://example.org/", b"", "text/plain")


@pytest.mark.django_db
def test_no_request_inside_a_transaction(server) -> None:
    from django.db import transaction

    fetcher = aia.GuardedFetcher(allowed_networks=LOOPBACK)
    with transaction.atomic(), pytest.raises(aia.Refused, match="transaction"):
        fetcher.get(f"{server['base']}/ca.crt")
    assert fetcher.requests == []
    # Outside a transaction the same request is made (the tests above, without a database).


def test_revocation_fetcher_has_the_redirect_and_time_guards(server) -> None:
    # The CRL/OCSP fetcher: a same-scheme redirect is followed, one to ftp: is refused, and a
    # server dripping bytes is cut at the total-time cap.
    fetcher = pkix.UrllibFetcher(timeout=1.0)
    assert fetcher.get(f"{server['base']}/moved") == _der(server["pki"].ca)
    with pytest.raises(pkix.FetchError, match="another scheme"):
        fetcher.get(f"{server['base']}/to-ftp")
    started = time.monotonic()
    with pytest.raises(pkix.FetchError, match="Total time cap"):
        fetcher.get(f"{server['base']}/slow")
    assert time.monotonic() - started < 3.0
