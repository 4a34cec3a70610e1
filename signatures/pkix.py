"""Certificate path validation and revocation (XCV building block).

Path building, path validation and the checking of OCSP responses and CRLs are done by
pyhanko-certvalidator; a new signer of an issuing CA that is already validated takes the
short path of ``signatures/leaf.py`` (the leaf alone against the CA's cached CRL). Fetching
is ours: OCSP first, then CRL, through a small ``Fetcher`` interface (tests point it at a
local HTTP server), with responses cached for their validity.
The outcome for a certificate at "now" is cached too, so a batch or a busy API validates each
signer certificate once per freshness window.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import threading
import time
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from sekap.monitoring import events
from signatures.report import RevocationInfo, iso

T = TypeVar("T")

MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class Fetcher(Protocol):
    def get(self, url: str) -> bytes: ...

    def post(self, url: str, body: bytes, content_type: str) -> bytes: ...


class FetchError(Exception):
    pass


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to http(s) (urllib would also follow one to ftp:)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://")):
            raise FetchError(f"Redirect to another scheme refused: {newurl[:80]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_HttpOnlyRedirects)


class UrllibFetcher:
    """HTTP(S) only, bounded size and total time; no redirects to other schemes."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    def _open(self, request: urllib.request.Request) -> bytes:
        if not request.full_url.startswith(("http://", "https://")):
            raise FetchError(f"Scheme not allowed: {request.full_url[:80]}")
        deadline = time.monotonic() + self.timeout
        chunks: list[bytes] = []
        size = 0
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                while chunk := response.read1(65536):
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise FetchError("Response too large.")
                    if time.monotonic() > deadline:
                        raise FetchError("Total time cap reached.")
                    chunks.append(chunk)
        except FetchError:
            raise
        except Exception as exc:
            raise FetchError(str(exc)) from None
        return b"".join(chunks)

    def get(self, url: str) -> bytes:
        return self._open(urllib.request.Request(url, method="GET"))  # noqa: S310

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return self._open(
            urllib.request.Request(  # noqa: S310
                url, data=body, method="POST", headers={"Content-Type": content_type}
            )
        )


LocalProvider = Callable[[str, str, bytes, str], bytes | None]


class LocalFirstFetcher:
    """Asks ``local`` (the platform's own PKI, answered in-process) first and ``fallback``
    (HTTP) only for the URLs it declines with None. The provider's own failure is a fetch
    failure, never a reason to call the platform over HTTP."""

    def __init__(self, local: LocalProvider, fallback: Fetcher) -> None:
        self.local = local
        self.fallback = fallback

    def _local(self, method: str, url: str, body: bytes, content_type: str) -> bytes | None:
        try:
            return self.local(method, url, body, content_type)
        except Exception as exc:
            raise FetchError(f"In-process answer for {url[:80]} failed: {exc}") from None

    def get(self, url: str) -> bytes:
        data = self._local("GET", url, b"", "")
        return self.fallback.get(url) if data is None else data

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        data = self._local("POST", url, body, content_type)
        return self.fallback.post(url, body, content_type) if data is None else data


class TtlCache:
    """A small thread-safe cache whose entries expire at their own time."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: object, now: datetime) -> object | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[1] <= now:
                if item is not None:
                    del self._data[key]
                self.misses += 1
                return None
            self.hits += 1
            return item[0]

    def put(self, key: object, value: object, expires_at: datetime) -> None:
        with self._lock:
            self._data[key] = (value, expires_at)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass
class PkixSettings:
    freshness: timedelta | None = None  # None: thisUpdate..nextUpdate window
    verdict_ttl: timedelta = timedelta(minutes=5)
    # How long a CA's parsed CRL serves new signers before it is read again (signatures/leaf.py).
    crl_refresh: timedelta = timedelta(minutes=1)
    default_revinfo_ttl: timedelta = timedelta(minutes=30)
    allow_fetching: bool = True


@dataclass
class PkixEnvironment:
    """What validations share: fetcher, revocation cache and verdict cache."""

    fetcher: Fetcher = field(default_factory=UrllibFetcher)
    settings: PkixSettings = field(default_factory=PkixSettings)
    revocation_cache: TtlCache = field(default_factory=TtlCache)
    verdict_cache: TtlCache = field(default_factory=TtlCache)
    fetch_count: int = 0
    # Fetches missing intermediates from AIA caIssuers (signatures/aia.py); None: never.
    aia_fetcher: Fetcher | None = None


@dataclass
class CertCheck:
    # ok | revoked | ca_revoked | expired | not_yet_valid | no_chain | no_revinfo | crypto
    # | chain_failure
    status: str
    message: str = ""
    path: list[x509.Certificate] = field(default_factory=list)
    revocation_time: datetime | None = None
    revocation: list[RevocationInfo] = field(default_factory=list)
    expires_at: datetime | None = None
    infos: list | None = None  # report entries for ``path``, memoised by the validator


_der_cache: OrderedDict[bytes, x509.Certificate] = OrderedDict()
_der_lock = threading.Lock()
MAX_KNOWN = 4096


class _Known:
    """What validation derives from one certificate object, worked out once and kept with it.

    Keyed by the object's ``id`` (the entry holds the object, so the id stays its own while
    the entry lives), not by the certificate: its ``hash()`` walks the whole parsed certificate
    (~4 us), and a new signer's validation looked up caches keyed so some 25 times."""

    __slots__ = ("cert", "der", "memo", "public_key", "sha256")

    def __init__(self, cert: x509.Certificate, der_bytes: bytes, sha256: str) -> None:
        self.cert = cert
        self.der = der_bytes
        self.sha256 = sha256
        self.public_key: object | None = None
        self.memo: dict = {}


_known: OrderedDict[int, _Known] = OrderedDict()
# The DER of names that parsed (subjects of loaded certificates), see load_certificate.
_parsed_names: set[bytes] = set()


def _remember(cert: x509.Certificate, der_bytes: bytes, sha256: str) -> _Known:
    entry = _Known(cert, der_bytes, sha256)
    with _der_lock:
        _known[id(cert)] = entry
        while len(_known) > MAX_KNOWN:
            _known.popitem(last=False)
    return entry


def _known_for(cert: x509.Certificate) -> _Known:
    entry = _known.get(id(cert))
    if entry is not None and entry.cert is cert:
        return entry
    der_bytes = cert.public_bytes(serialization.Encoding.DER)
    return _remember(cert, der_bytes, hashlib.sha256(der_bytes).hexdigest())


def cert_memo(cert: x509.Certificate) -> dict:
    """A dict kept with ``cert`` for what callers derive from it (report entries, key
    profile, signer data): a cache keyed by the certificate would hash it on every look-up."""
    return _known_for(cert).memo


def derived(cert: x509.Certificate, key: Hashable, build: Callable[[x509.Certificate], T]) -> T:
    """``build(cert)``, made once and kept with ``cert`` under ``key`` (see ``cert_memo``)."""
    memo = _known_for(cert).memo
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build(cert)
        return value


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate (cached: parsing is a noticeable share of a warm validation)."""
    key = hashlib.sha256(der).digest()
    with _der_lock:
        cert = _der_cache.get(key)
        if cert is not None:
            return cert
    cert = x509.load_der_x509_certificate(der)
    # cryptography parses the names, key and extensions lazily: a certificate whose issuer
    # is garbage would otherwise load here and fail later, deep in path building. Parse what
    # validation reads now, so a broken certificate is refused (ValueError) where it enters.
    # An issuer whose encoding is that of a subject already parsed (a signer's CA) parses
    # the same: its Python objects are built only when something reads them.
    der = bytes(der)
    names = _names_of(der)
    try:
        if names[0] not in _parsed_names:
            cert.issuer  # noqa: B018 (parsed for its errors)
        key_object = (cert.subject, cert.extensions, cert.public_key())[-1]
    except UnsupportedAlgorithm as exc:
        raise ValueError(f"unsupported key in certificate: {exc}") from None
    known = _remember(cert, der, key.hex())
    known.public_key = key_object
    known.memo["name_ders"] = names
    if len(_parsed_names) >= MAX_KNOWN:
        _parsed_names.clear()
    _parsed_names.add(names[1])
    with _der_lock:
        _der_cache[key] = cert
        if len(_der_cache) > MAX_KNOWN:
            _der_cache.popitem(last=False)
    return cert


_DN_NAMES = {
    x509.oid.NameOID.SURNAME: "SN",
    x509.oid.NameOID.GIVEN_NAME: "givenName",
    x509.oid.NameOID.SERIAL_NUMBER: "serialNumber",
    x509.oid.NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    x509.oid.NameOID.TITLE: "title",
    x509.oid.NameOID.PSEUDONYM: "pseudonym",
}


def dn(name: x509.Name) -> str:
    """RFC 4514 string with readable names for the attributes of qualified certificates."""
    return name.rfc4514_string(_DN_NAMES)


def subject_dn(cert: x509.Certificate) -> str:
    return derived(cert, "subject_dn", lambda c: dn(c.subject))


def issuer_dn(cert: x509.Certificate) -> str:
    return derived(cert, "issuer_dn", _new_issuer_dn)


_issuer_dns: dict[bytes, str] = {}


def _new_issuer_dn(cert: x509.Certificate) -> str:
    """Keyed by the issuer's DER: every signer of a CA names the same issuer. (Subjects are
    kept with their certificate: a cache keyed by one-off names would only grow.)"""
    issuer_der = name_ders(cert)[0]
    found = _issuer_dns.get(issuer_der)
    if found is None:
        found = dn(cert.issuer)
        if len(_issuer_dns) >= 256:
            _issuer_dns.clear()
        _issuer_dns[issuer_der] = found
    return found


def fingerprint(cert: x509.Certificate) -> str:
    return _known_for(cert).sha256


def public_key(cert: x509.Certificate) -> object:
    """The certificate's public key object (building it is a measurable cost per validation)."""
    known = _known_for(cert)
    if known.public_key is None:
        known.public_key = cert.public_key()
    return known.public_key


def cert_digest(cert: x509.Certificate, hash_name: str) -> bytes:
    return derived(cert, ("digest", hash_name), lambda c: hashlib.new(hash_name, der(c)).digest())


def der(cert: x509.Certificate) -> bytes:
    return _known_for(cert).der


def extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension | None:
    """``cert``'s extension ``oid`` or None: a look-up in a map made once per certificate
    (``get_extension_for_oid`` walks the list on every call)."""
    found = derived(cert, "extensions", lambda c: {ext.oid: ext for ext in c.extensions})
    return found.get(oid)


def tbs_bytes(cert: x509.Certificate) -> bytes:
    """The to-be-signed part of ``cert``, cut from its DER (``tbs_certificate_bytes`` encodes
    it again on every call). ``Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }``,
    in DER as the certificate parsed."""
    data = _known_for(cert).der
    start = _content_start(data, 0)
    end = _content_start(data, start) + _length(data, start)
    return data[start:end]


def name_ders(cert: x509.Certificate) -> tuple[bytes, bytes]:
    """(issuer, subject) of ``cert`` as encoded in it, cut from its DER: compared as bytes,
    without building the names' Python objects. ``TBSCertificate ::= SEQUENCE { version [0]
    OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }``."""
    return derived(cert, "name_ders", _new_name_ders)


def _new_name_ders(cert: x509.Certificate) -> tuple[bytes, bytes]:
    return _names_of(_known_for(cert).der)


def _names_of(data: bytes) -> tuple[bytes, bytes]:
    position = _content_start(data, _content_start(data, 0))  # first field of the TBS
    if data[position] == 0xA0:  # version
        position = _end(data, position)
    position = _end(data, _end(data, position))  # serialNumber, signature
    issuer_end = _end(data, position)
    subject_start = _end(data, issuer_end)  # validity
    return data[position:issuer_end], data[subject_start : _end(data, subject_start)]


def _end(data: bytes, start: int) -> int:
    return _content_start(data, start) + _length(data, start)


def _length(data: bytes, start: int) -> int:
    first = data[start + 1]
    if first < 0x80:
        return first
    size = first & 0x7F
    return int.from_bytes(data[start + 2 : start + 2 + size], "big")


def _content_start(data: bytes, start: int) -> int:
    first = data[start + 1]
    return start + 2 + (first & 0x7F if first >= 0x80 else 0)


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer``'s name and key made ``cert`` (name chaining and signature)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def simple_chain(
    cert: x509.Certificate, pool: list[x509.Certificate], anchors: list[x509.Certificate]
):
    """A best-effort chain for locating revocation sources (the real path is pyhanko's)."""
    chain = [cert]
    current = cert
    for _ in range(8):
        if any(fingerprint(current) == fingerprint(a) for a in anchors):
            return chain, True
        issuer = next(
            (c for c in anchors + pool if c is not current and issued_by(current, c)), None
        )
        if issuer is None:
            return chain, False
        chain.append(issuer)
        if issuer in anchors or any(fingerprint(issuer) == fingerprint(a) for a in anchors):
            return chain, True
        current = issuer
    return chain, False


def _urls(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    aia = extension(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    if aia is not None:
        ocsp_urls = [
            d.access_location.value
            for d in aia.value
            if d.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(d.access_location, x509.UniformResourceIdentifier)
        ]
    cdp = extension(cert, ExtensionOID.CRL_DISTRIBUTION_POINTS)
    for point in cdp.value if cdp is not None else ():
        for name in point.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier):
                crl_urls.append(name.value)
    return ocsp_urls, crl_urls


def note_revocation_failure(*, kind: str, url: str) -> None:
    """Count a failed OCSP or CRL fetch for ``/metrics`` (by host: a bounded label)."""
    host = urllib.parse.urlsplit(url).hostname or "unknown"
    events.count("sekap_revocation_fetch_failures", kind=kind, host=host)


def _fetch_revocation(
    cert: x509.Certificate, issuer: x509.Certificate, env: PkixEnvironment, now: datetime
) -> tuple[list[bytes], list[bytes], list[RevocationInfo]]:
    """OCSP first, then CRL. Returns (ocsps, crls, descriptions)."""
    ocsp_urls, crl_urls = _urls(cert)
    fp = fingerprint(cert)
    for url in ocsp_urls:
        key = ("ocsp", url, fingerprint(issuer), cert.serial_number)
        cached = env.revocation_cache.get(key, now)
        origin = "CACHED"
        if cached is None:
            origin = "FETCHED"
            request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303
            try:
                env.fetch_count += 1
                data = env.fetcher.post(
                    url,
                    request.public_bytes(serialization.Encoding.DER),
                    "application/ocsp-request",
                )
                response = ocsp.load_der_ocsp_response(data)
            except Exception:
                note_revocation_failure(kind="ocsp", url=url)
                continue
            if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
                note_revocation_failure(kind="ocsp", url=url)
                continue
            expires = response.next_update_utc or (
                response.this_update_utc + env.settings.default_revinfo_ttl
            )
            cached = data
            env.revocation_cache.put(key, data, expires)
        response = ocsp.load_der_ocsp_response(cached)
        status = response.certificate_status.name
        return (
            [cached],
            [],
            [
                RevocationInfo(
                    certificate_sha256=fp,
                    source="OCSP",
                    origin=origin,
                    url=url,
                    this_update=iso(response.this_update_utc),
                    next_update=iso(response.next_update_utc),
                    status=status,
                    revocation_time=iso(response.revocation_time_utc)
                    if status == "REVOKED"
                    else None,
                )
            ],
        )
    for url in crl_urls:
        cached, origin = _crl_bytes(url, env, now)
        if cached is None:
            continue
        crl = x509.load_der_x509_crl(cached)
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        deltas = _fetch_delta_crls(cert, crl, env, now)
        for delta in deltas:
            delta_entry = x509.load_der_x509_crl(delta).get_revoked_certificate_by_serial_number(
                cert.serial_number
            )
            if delta_entry is not None:
                entry = None if _released(delta_entry) else delta_entry
        return (
            [],
            [cached, *deltas],
            [
                RevocationInfo(
                    certificate_sha256=fp,
                    source="CRL",
                    origin=origin,
                    url=url,
                    this_update=iso(crl.last_update_utc),
                    next_update=iso(crl.next_update_utc),
                    status="REVOKED" if entry else "GOOD",
                    revocation_time=iso(entry.revocation_date_utc) if entry else None,
                )
            ],
        )
    return [], [], []


def _freshest_urls(extensions: x509.Extensions) -> list[str]:
    try:
        points = extensions.get_extension_for_oid(ExtensionOID.FRESHEST_CRL).value
    except x509.ExtensionNotFound:
        return []
    return _point_urls(points)


def cert_freshest_urls(cert: x509.Certificate) -> list[str]:
    """The delta CRLs ``cert`` names (its Freshest CRL extension)."""
    found = extension(cert, ExtensionOID.FRESHEST_CRL)
    return _point_urls(found.value) if found is not None else []


def _point_urls(points) -> list[str]:
    return [
        name.value
        for point in points
        for name in point.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
    ]


def _released(entry: x509.RevokedCertificate) -> bool:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return False
    return reason == x509.ReasonFlags.remove_from_crl


def _fetch_delta_crls(
    cert: x509.Certificate,
    base: x509.CertificateRevocationList,
    env: PkixEnvironment,
    now: datetime,
) -> list[bytes]:
    """Delta CRLs named by the certificate's or the base CRL's Freshest CRL extension.

    RFC 5280 §5.2.6: when a certificate or its CRL points at a delta CRL, the delta must be
    consulted too (a certificate put on hold after the base CRL appears only there).
    """
    urls = list(dict.fromkeys(cert_freshest_urls(cert) + _freshest_urls(base.extensions)))
    found = (_crl_bytes(url, env, now)[0] for url in urls)
    return [data for data in found if data is not None]  # a missing delta: indeterminate


def _crl_bytes(url: str, env: PkixEnvironment, now: datetime) -> tuple[bytes | None, str]:
    """A CRL from the cache, or fetched and cached until its nextUpdate; None if unavailable."""
    key = ("crl", url)
    cached = env.revocation_cache.get(key, now)
    if cached is not None:
        return cached, "CACHED"
    try:
        env.fetch_count += 1
        data = env.fetcher.get(url)
        crl = x509.load_der_x509_crl(data)
    except Exception:  # any failure to fetch or parse: try the next source
        note_revocation_failure(kind="crl", url=url)
        return None, "FETCHED"
    expires = crl.next_update_utc or (crl.last_update_utc + env.settings.default_revinfo_ttl)
    env.revocation_cache.put(key, data, expires)
    return data, "FETCHED"


def describe_embedded(ocsps: list[bytes], crls: list[bytes]) -> list[RevocationInfo]:
    out = []
    for data in ocsps:
        try:
            response = ocsp.load_der_ocsp_response(data)
            out.append(
                RevocationInfo(
                    certificate_sha256="",
                    source="OCSP",
                    origin="EMBEDDED",
                    url=None,
                    this_update=iso(response.this_update_utc),
                    next_update=iso(response.next_update_utc),
                    status=response.certificate_status.name,
                )
            )
        except Exception:  # noqa: S112
            continue
    for data in crls:
        try:
            crl = x509.load_der_x509_crl(data)
            out.append(
                RevocationInfo(
                    certificate_sha256="",
                    source="CRL",
                    origin="EMBEDDED",
                    url=None,
                    this_update=iso(crl.last_update_utc),
                    next_update=iso(crl.next_update_utc),
                    status="LIST",
                )
            )
        except Exception:  # noqa: S112
            continue
    return out


_loop_local = threading.local()


def _run(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_loop_local, "loop", None)
        if loop is None or loop.is_closed():
            loop = asyncio.new_event_loop()
            _loop_local.loop = loop
        return loop.run_until_complete(coro)
    # Called from inside a running loop (async view): run in a helper thread.
    result: dict = {}

    def runner() -> None:
        result["value"] = _run(coro)

    thread = threading.Thread(target=runner)
    thread.start()
    thread.join()
    return result["value"]


# How close to the clock a validation moment must be to count as "now" (see check_certificate).
PRESENT_WINDOW = timedelta(minutes=5)


def check_certificate(
    cert: x509.Certificate,
    *,
    pool: list[x509.Certificate],
    anchors: list[x509.Certificate],
    moment: datetime,
    env: PkixEnvironment,
    embedded_ocsps: list[bytes] | None = None,
    embedded_crls: list[bytes] | None = None,
    fetch: bool = True,
    retroactive: bool = False,
) -> CertCheck:
    """Validate ``cert`` to one of ``anchors`` at ``moment`` with revocation checking."""
    if not anchors:
        return CertCheck("no_chain", "No trust anchors are configured.")
    embedded_ocsps = embedded_ocsps or []
    embedded_crls = embedded_crls or []
    cache_key = None
    now = datetime.now(UTC)
    if fetch and not retroactive and not embedded_ocsps and not embedded_crls:
        cache_key = (
            fingerprint(cert),
            tuple(sorted(fingerprint(c) for c in pool)),
            tuple(sorted(fingerprint(a) for a in anchors)),
            moment.replace(second=0, microsecond=0)
            if moment < now - timedelta(minutes=1)
            else None,
        )
        cached = env.verdict_cache.get(cache_key, now)
        if cached is not None:
            return cached  # type: ignore[return-value]
        if abs(now - moment) <= PRESENT_WINDOW:
            # A new signer of a CA already validated: the leaf alone (signatures/leaf.py).
            from signatures.leaf import check_leaf

            quick = check_leaf(cert, pool=pool, anchors=anchors, moment=moment, env=env, now=now)
            if quick is not None:
                env.verdict_cache.put(cache_key, quick, quick.expires_at or now)
                return quick
    chain, anchored = simple_chain(cert, pool, anchors)
    ocsps = list(embedded_ocsps)
    crls = list(embedded_crls)
    described: list[RevocationInfo] = []
    expires = now + env.settings.verdict_ttl
    if fetch and env.settings.allow_fetching and anchored:
        for child, issuer in itertools.pairwise(chain):
            o, c, d = _fetch_revocation(child, issuer, env, now)
            ocsps += o
            crls += c
            described += d
            for info in d:
                if info.next_update:
                    nu = datetime.fromisoformat(info.next_update.replace("Z", "+00:00"))
                    expires = min(expires, nu)
    described += describe_embedded(embedded_ocsps, embedded_crls)
    expires = min(expires, cert.not_valid_after_utc)
    if not retroactive and abs(now - moment) <= PRESENT_WINDOW:
        # A check at the present time is made at the instant the revocation information is
        # in hand: an OCSP answer produced while we waited for it (a busy responder, a loaded
        # machine) is otherwise "too recent" for a moment taken before the fetch.
        moment = max(moment, datetime.now(UTC))
    policy = RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    )
    freshness = env.settings.freshness
    rev_policy = CertRevTrustPolicy(
        policy,
        freshness=freshness,
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
        if freshness
        else FreshnessReqType.DEFAULT,
        retroactive_revinfo=retroactive,
    )
    result = CertCheck("ok", revocation=described, expires_at=expires)
    try:
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(der(a)) for a in anchors],
            other_certs=[asn1_x509.Certificate.load(der(c)) for c in pool],
            moment=moment,
            allow_fetching=False,
            crls=crls,
            ocsps=ocsps,
            revinfo_policy=rev_policy,
            retroactive_revinfo=retroactive,
            weak_hash_algos={"md2", "md5", "sha1"},
        )
        validator = CertificateValidator(
            asn1_x509.Certificate.load(der(cert)), validation_context=context
        )
        path = _run(validator.async_validate_path())
        result.path = [
            x509.load_der_x509_certificate(c.dump()) for c in path.iter_certs(include_root=True)
        ]
        result.path.reverse()
    except cv_errors.RevokedError as exc:
        result.status = "revoked" if exc.is_ee_cert else "ca_revoked"
        result.revocation_time = exc.revocation_dt
        result.message = str(exc)
    except cv_errors.ExpiredError as exc:
        result.status = "expired"
        result.message = str(exc)
    except cv_errors.NotYetValidError as exc:
        result.status = "not_yet_valid"
        result.message = str(exc)
    except cv_errors.DisallowedAlgorithmError as exc:
        result.status = "crypto"
        result.message = str(exc)
    except cv_errors.InsufficientRevinfoError as exc:
        result.status = "no_revinfo"
        result.message = str(exc)
    except cv_errors.PathBuildingError as exc:
        result.status = "no_chain"
        result.message = str(exc)
    except (cv_errors.PathValidationError, cv_errors.ValidationError) as exc:
        result.status = "chain_failure"
        result.message = str(exc)
    except Exception as exc:
        result.status = "chain_failure"
        result.message = f"{type(exc).__name__}: {exc}"
    if result.status == "no_revinfo" and any(i.origin == "FETCHED" for i in described) is False:
        result.expires_at = now + timedelta(seconds=30)
    if cache_key is not None:
        env.verdict_cache.put(cache_key, result, result.expires_at or expires)
    return result
