"""Missing intermediates from the certificate's AIA caIssuers address, fetched under guards.

A signer often sends only its own certificate; the issuing CA's certificate is published at
the address in the certificate's Authority Information Access (caIssuers, RFC 5280 §4.2.2.1).
The address comes from a certificate anyone can make, so fetching it is guarded like any
outbound request a stranger can trigger (:class:`GuardedFetcher`):

* http and https only, before the request and on every redirect (at most three, each checked
  again; a redirect to another scheme is refused);
* no private, loopback, link-local, multicast or reserved address: the host is resolved once
  and the connection is made to the address that was checked (no DNS rebinding);
* a size cap and a cap on the total time of the exchange (not only per socket operation);
* never inside a database transaction (the request would hold its locks).

What is fetched is used only if it completes the chain to a configured trust anchor
(:func:`complete_chain`): each fetched certificate must be a CA that really issued the one
below it, and the walk stops at three levels. Answers are cached per address.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import cms
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from signatures import pkix

MAX_BYTES = 256 * 1024
MAX_SECONDS = 5.0
MAX_REDIRECTS = 3
MAX_DEPTH = 3
CACHE_TTL = timedelta(hours=1)
FAILURE_TTL = timedelta(minutes=5)


class Refused(pkix.FetchError):
    """The request was not made (or not followed) because a guard refused it."""


@dataclass
class GuardedFetcher:
    """GET over http(s) with the guards above (``post`` is refused: AIA is read-only)."""

    max_bytes: int = MAX_BYTES
    max_seconds: float = MAX_SECONDS
    # Addresses allowed although not global (tests, an intranet PKI): ip_network strings.
    allowed_networks: tuple[str, ...] = ()
    refuse_in_transaction: bool = True
    requests: list[str] = field(default_factory=list)

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        raise Refused("Only GET is allowed for certificate fetching.")

    def get(self, url: str) -> bytes:
        if self.refuse_in_transaction and _in_transaction():
            raise Refused("No network request inside a database transaction.")
        deadline = time.monotonic() + self.max_seconds
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = self._get_once(url, deadline)
            if status in (301, 302, 303, 307, 308):
                url = urllib.parse.urljoin(url, location or "")
                continue
            if status != 200:
                raise pkix.FetchError(f"HTTP {status} from {url[:80]}")
            return body
        raise Refused("Too many redirects.")

    def _address(self, host: str, port: int, deadline: float) -> str:
        if time.monotonic() > deadline:
            raise Refused("Total time cap reached.")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise pkix.FetchError(f"Cannot resolve {host[:80]}: {exc}") from None
        addresses = [info[4][0] for info in infos]
        allowed = [ipaddress.ip_network(n) for n in self.allowed_networks]
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if not address.is_global and not any(address in net for net in allowed):
                raise Refused(f"Address not allowed: {host[:80]} is {address}")
        if not addresses:
            raise pkix.FetchError(f"No address for {host[:80]}")
        return addresses[0]

    def _get_once(self, url: str, deadline: float) -> tuple[int, str | None, bytes]:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"Scheme not allowed: {url[:80]}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._address(parts.hostname, port, deadline)
        self.requests.append(url)
        remaining = max(0.05, deadline - time.monotonic())
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = _PinnedHTTPS(
                parts.hostname, port, address, timeout=remaining
            )
        else:
            connection = _PinnedHTTP(parts.hostname, port, address, timeout=remaining)
        try:
            path = parts.path or "/"
            connection.request("GET", path + (f"?{parts.query}" if parts.query else ""))
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                return response.status, response.getheader("Location"), b""
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise Refused("Response too large.")
            chunks, size = [], 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Refused("Total time cap reached.")
                if connection.sock is not None:
                    connection.sock.settimeout(left)
                chunk = response.read1(16384)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise Refused("Response too large.")
                chunks.append(chunk)
            return response.status, None, b"".join(chunks)
        except (OSError, http.client.HTTPException) as exc:
            raise pkix.FetchError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def _in_transaction() -> bool:
    try:
        from django.db import connections

        return any(c.in_atomic_block for c in connections.all(initialized_only=True))
    except Exception:  # Django not configured: no transaction to hold
        return False


def ca_issuers_urls(cert: x509.Certificate) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in aia.value
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def _certificates(data: bytes) -> list[x509.Certificate]:
    """A DER certificate, or a certs-only CMS (.p7c), as RFC 5280 allows at caIssuers."""
    try:
        return [pkix.load_certificate(data)]
    except ValueError:
        pass
    try:
        content = cms.ContentInfo.load(data)
        if content["content_type"].native != "signed_data":
            return []
        out = []
        for choice in content["content"]["certificates"] or []:
            if choice.name == "certificate":
                out.append(pkix.load_certificate(choice.chosen.dump()))
        return out[:10]
    except Exception:
        return []


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _fetch(url: str, env: pkix.PkixEnvironment, fetcher: pkix.Fetcher, now: datetime):
    key = ("aia", url)
    cached = env.revocation_cache.get(key, now)
    if cached is not None:
        return cached
    try:
        env.fetch_count += 1
        found = _certificates(fetcher.get(url))
    except pkix.FetchError:
        found = []
    env.revocation_cache.put(key, found, now + (CACHE_TTL if found else FAILURE_TTL))
    return found


def complete_chain(
    cert: x509.Certificate,
    *,
    pool: list[x509.Certificate],
    anchors: list[x509.Certificate],
    env: pkix.PkixEnvironment,
    fetcher: pkix.Fetcher,
) -> list[x509.Certificate]:
    """The fetched intermediates that complete ``cert``'s chain to one of ``anchors``, or []
    (nothing fetched is kept unless the chain reaches an anchor)."""
    chain, anchored = pkix.simple_chain(cert, pool, anchors)
    if anchored or not anchors:
        return []
    now = datetime.now(UTC)
    fetched: list[x509.Certificate] = []
    current = chain[-1]
    for _ in range(MAX_DEPTH):
        issuer = None
        for url in ca_issuers_urls(current)[:2]:
            found = _fetch(url, env, fetcher, now)
            candidates = [c for c in found if _is_ca(c) and pkix.issued_by(current, c)]
            if candidates:
                issuer = candidates[0]
                break
        if issuer is None:
            return []
        fetched.append(issuer)
        _, anchored = pkix.simple_chain(issuer, pool + fetched, anchors)
        if anchored:
            return fetched
        current = issuer
    return []


__all__ = ["GuardedFetcher", "Refused", "ca_issuers_urls", "complete_chain"]
