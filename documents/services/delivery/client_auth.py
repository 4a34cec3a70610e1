"""The office's login at the e-Doręczenia operator's authorization server: OAuth 2.0 client
credentials with ``private_key_jwt`` client authentication (RFC 7523 § 2.2, OpenID Connect Core
§ 9). The office proves who it is with a short-lived JWT signed by its own seal key (the key of
the certificate registered with the operator), never with a shared secret.

The assertion (RFC 7523 § 3): ``iss`` = ``sub`` = the client id (the office's electronic delivery
address), ``aud`` = the token endpoint, ``iat``/``exp`` a two-minute window, ``jti`` unique; the
header names the certificate by its SHA-256 thumbprint (``x5t#S256``, RFC 7515 § 4.1.8). The
access token it buys is kept in the cache until shortly before it expires.

Called only from the adapter (``edoreczenia``), outside any database transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.core.cache import cache
from django.utils import timezone

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = dt.timedelta(minutes=2)
SCOPE = "read_messages write_messages"


@dataclass(frozen=True)
class OfficeClient:
    """The office as a client of the operator: its client id (its electronic delivery
    address) and the office whose seal signs the assertion."""

    client_id: str
    terc: str
    name: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(certificate: x509.Certificate) -> str:
    """``x5t#S256``: base64url of the SHA-256 of the certificate's DER."""
    return b64url(hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest())


# JWS algorithms (RFC 7518 § 3.1) by the seal key: RSA, or the EC curve's size in bytes
_ALGORITHMS = {
    ("rsa", 0): ("RS256", hashes.SHA256),
    ("ec", 32): ("ES256", hashes.SHA256),
    ("ec", 48): ("ES384", hashes.SHA384),
}


def _algorithm(key) -> tuple[str, type[hashes.HashAlgorithm]]:
    found = _ALGORITHMS.get((key.key_type, key.curve_bytes))
    if found is None:
        raise ValueError("the seal key has no JWS algorithm")
    return found


def _jws_signature(key, signing_input: bytes) -> bytes:
    """PKCS#1 v1.5 for RSA; for EC the fixed-size r||s JWS wants (RFC 7518 § 3.4)."""
    _alg, digest = _algorithm(key)
    signature = key.signer.sign(signing_input, digest())
    if key.key_type == "rsa":
        return signature
    r, s = decode_dss_signature(signature)
    return r.to_bytes(key.curve_bytes, "big") + s.to_bytes(key.curve_bytes, "big")


def client_assertion(*, client: OfficeClient, audience: str, now: dt.datetime | None = None) -> str:
    """A fresh signed client assertion for the token endpoint ``audience``."""
    from certauth.services.seals import office_seal

    key, chain = office_seal(terc=client.terc, name=client.name)
    now = now or timezone.now()
    header = {"alg": _algorithm(key)[0], "typ": "JWT", "x5t#S256": thumbprint(chain[0])}
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ASSERTION_LIFETIME).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    signing_input = (
        f"{b64url(json.dumps(header, separators=(',', ':')).encode())}."
        f"{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
    ).encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url(_jws_signature(key, signing_input))}"


def token_request(*, client: OfficeClient, token_url: str) -> dict[str, str]:
    """The form of the client-credentials request (RFC 6749 § 4.4, RFC 7523 § 2.2)."""
    return {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client=client, audience=token_url),
        "scope": SCOPE,
    }


def _cache_key(client: OfficeClient, token_url: str) -> str:
    digest = hashlib.sha256(f"{token_url}|{client.client_id}".encode()).hexdigest()[:32]
    return f"documents:edoreczenia:token:{digest}"


def access_token(*, client: OfficeClient, token_url: str, post) -> str:
    """A valid access token for ``client``: from the cache, else bought at ``token_url`` with
    ``post(url, data)`` (the adapter's HTTP call, which raises when the server refuses)."""
    key = _cache_key(client, token_url)
    token = cache.get(key)
    if token:
        return token
    answer = post(token_url, token_request(client=client, token_url=token_url))
    token = str(answer["access_token"])
    lifetime = int(answer.get("expires_in", 300))
    cache.set(key, token, timeout=max(lifetime - 30, 1))
    return token


def forget_token(*, client: OfficeClient, token_url: str) -> None:
    """Drop a token the service no longer accepts (401), so the next call logs in again."""
    cache.delete(_cache_key(client, token_url))


__all__ = [
    "ASSERTION_TYPE",
    "OfficeClient",
    "access_token",
    "client_assertion",
    "forget_token",
    "thumbprint",
    "token_request",
]
