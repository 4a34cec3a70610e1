"""The office's login at the e-Doręczenia authorization server, as the User Agent API
specification asks of EZD-class systems: the client authenticates with an X.509 certificate,
OAuth 2.0 mutual-TLS client authentication with certificate-bound access tokens (RFC 8705).

The certificate is the office's **seal** (the credential it already has, issued by the
platform CA, the one the office registers with the operator); its key signs the TLS handshake.
The token request (RFC 6749 § 4.4 client credentials, RFC 8705 § 2) carries only
``grant_type``, ``client_id`` (the office's electronic delivery address) and the scopes the
specification names; no secret and no assertion: the TLS connection proves who asks. The token
the server issues is bound to that certificate (``cnf`` / ``x5t#S256``, RFC 8705 § 3), so it
is worth nothing over another connection; every mailbox call presents the same certificate.
The token is kept in the cache (keyed by the client and the certificate's thumbprint) until
shortly before it expires.

Called only from the adapter (``edoreczenia``), outside any database transaction.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache

from ...errors import DeliveryUnavailable

SCOPE = "read_messages write_messages"


@dataclass(frozen=True)
class OfficeClient:
    """The office as a client of the operator: its client id (its electronic delivery
    address) and the office whose seal is its TLS client certificate."""

    client_id: str
    terc: str
    name: str


@dataclass(frozen=True)
class ClientIdentity:
    """What the office presents in the TLS handshake: its seal certificate with the chain up
    to (not including) the root, and the seal's private key."""

    chain: tuple[x509.Certificate, ...]
    key: object  # a cryptography private key (soft custody)

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def chain_der(self) -> tuple[bytes, ...]:
        return tuple(c.public_bytes(serialization.Encoding.DER) for c in self.chain)


class ClientKeyUnusable(DeliveryUnavailable):
    """The seal key cannot sign a TLS handshake here (it lives in the PKCS#11 token, which
    Python's ssl module cannot use): nothing is sent; see docs/operations.md."""


def thumbprint(certificate: x509.Certificate) -> str:
    """``x5t#S256`` (RFC 8705 § 3.1): base64url of the SHA-256 of the certificate's DER."""
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def client_identity(client: OfficeClient) -> ClientIdentity:
    """The office's seal as its TLS client credential (issued on first use, like every seal)."""
    from certauth.services.seals import office_seal

    key, chain = office_seal(terc=client.terc, name=client.name)
    soft = key.signer.soft_key
    if soft is None:
        raise ClientKeyUnusable()
    return ClientIdentity(chain=tuple(chain[:-1] or chain), key=soft)


def ssl_context(identity: ClientIdentity, *, ca_bundle: str = "") -> ssl.SSLContext:
    """A TLS client context presenting ``identity`` and trusting ``ca_bundle`` (a PEM file;
    the system's roots when empty). Python's ssl loads a key only from a file: it is written
    encrypted with a one-time password to a private temporary directory and removed at once."""
    context = ssl.create_default_context(cafile=ca_bundle or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    password = secrets.token_bytes(32)
    pem_chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in identity.chain)
    pem_key = identity.key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    with tempfile.TemporaryDirectory(prefix="sekap-mtls-") as folder:
        cert_path, key_path = os.path.join(folder, "chain.pem"), os.path.join(folder, "key.pem")
        for path, data in ((cert_path, pem_chain), (key_path, pem_key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        context.load_cert_chain(cert_path, key_path, password=password)
    return context


def token_request(*, client: OfficeClient) -> dict[str, str]:
    """The form of the client-credentials request (RFC 6749 § 4.4; RFC 8705 § 2: the client
    is authenticated by its TLS certificate and names itself with ``client_id``)."""
    return {"grant_type": "client_credentials", "client_id": client.client_id, "scope": SCOPE}


def _cache_key(client: OfficeClient, identity: ClientIdentity, token_url: str) -> str:
    seed = f"{token_url}|{client.client_id}|{thumbprint(identity.certificate)}"
    return f"documents:edoreczenia:token:{hashlib.sha256(seed.encode()).hexdigest()[:32]}"


def access_token(
    *,
    client: OfficeClient,
    identity: ClientIdentity,
    token_url: str,
    post: Callable[[str, dict[str, str]], dict],
) -> str:
    """A valid access token for ``client``: from the cache, else bought at ``token_url`` with
    ``post(url, data)`` (the adapter's mutual-TLS call, which raises when the server refuses)."""
    key = _cache_key(client, identity, token_url)
    token = cache.get(key)
    if token:
        return token
    answer = post(token_url, token_request(client=client))
    token = str(answer["access_token"])
    lifetime = int(answer.get("expires_in", 300))
    cache.set(key, token, timeout=max(lifetime - 30, 1))
    return token


def forget_token(*, client: OfficeClient, identity: ClientIdentity, token_url: str) -> None:
    """Drop a token the service no longer accepts (401), so the next call logs in again."""
    cache.delete(_cache_key(client, identity, token_url))


__all__ = [
    "SCOPE",
    "ClientIdentity",
    "ClientKeyUnusable",
    "OfficeClient",
    "access_token",
    "client_identity",
    "forget_token",
    "ssl_context",
    "thumbprint",
    "token_request",
]
