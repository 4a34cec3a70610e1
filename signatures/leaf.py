"""A new signer under an issuing CA that is already validated: check only the leaf.

Full path validation (pyhanko-certvalidator, ``pkix.check_certificate``) costs ~12 ms, nearly
all of it spent again on what every signer of one CA shares: the issuing CA's own path to the
trust anchor with its revocation, and parsing the CA's CRL. Here those are validated once and
cached (the CA's path under its certificate's hash, the anchors' and the other offered
certificates' hashes, until the verdict TTL, its revocation data's nextUpdate or the CA's
expiry; the parsed CRL as a set of serial numbers for ``crl_refresh`` or until its
nextUpdate), and for each new signer only the leaf is checked:

* it is directly issued by that CA (name chaining, and its signature checked with the CA's
  key object, built once);
* it is valid at the moment, is not a CA, has no critical extension we do not know, and is
  signed with an accepted hash;
* the CA's CRL (and its delta, when the CRL or the certificate names one) is signed by the
  CA, current at the moment, fresh enough for the policy, and does not list the leaf.

This path only ever *accepts*: whenever anything is unusual (no CRL distribution point, a CRL
that cannot be had, a listed serial, name or policy constraints in the CA's path, an
indirect or partitioned CRL) it returns None and the caller runs the full validation, which
gives the proper indication. It is used for checks at the present time only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID, SignatureAlgorithmOID

from signatures import pkix
from signatures.report import RevocationInfo, iso

# Extensions a signer's certificate may mark critical without changing what path validation
# concludes (RFC 5280 §4.2: the rest, if critical, must be understood, so: full validation).
_KNOWN_CRITICAL = {
    ExtensionOID.KEY_USAGE,
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.CERTIFICATE_POLICIES,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
}
# Constraints a CA passes down to the leaf: a path carrying any of them takes full validation.
_INHERITED = {
    ExtensionOID.NAME_CONSTRAINTS,
    ExtensionOID.POLICY_CONSTRAINTS,
    ExtensionOID.INHIBIT_ANY_POLICY,
    ExtensionOID.POLICY_MAPPINGS,
}
_WEAK_HASHES = {"md2", "md5", "sha1"}
_ECDSA = {
    SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}
_RSA_PKCS1 = {
    SignatureAlgorithmOID.RSA_WITH_SHA256,
    SignatureAlgorithmOID.RSA_WITH_SHA384,
    SignatureAlgorithmOID.RSA_WITH_SHA512,
}


class _CrlState:
    """A CA's CRL, its signature checked once, with its revoked serials as a set."""

    __slots__ = ("der", "freshest", "next_update", "released", "revoked", "this_update")

    def __init__(self, der: bytes, crl: x509.CertificateRevocationList) -> None:
        from signatures.pkix import _freshest_urls, _released

        self.der = der
        self.this_update = crl.last_update_utc
        self.next_update = crl.next_update_utc
        self.revoked: frozenset[int] = frozenset(entry.serial_number for entry in crl)
        self.released: frozenset[int] = frozenset(
            entry.serial_number for entry in crl if _released(entry)
        )
        self.freshest = tuple(_freshest_urls(crl.extensions))


def check_leaf(cert: x509.Certificate, *, pool, anchors, moment: datetime, env, now: datetime):
    """The ``CertCheck`` of ``cert`` when the short path can accept it, else None."""
    if not _leaf_acceptable(cert, moment):
        return None
    issuer = _named_issuer(cert, pool, anchors)
    if issuer is None:
        return None
    issuer_path = _issuer_state(
        issuer, cert=cert, pool=pool, anchors=anchors, moment=moment, env=env, now=now
    )
    if issuer_path is None or not _signed_by(cert, issuer):
        return None
    urls = pkix._urls(cert)[1]
    if not urls:
        return None
    state, origin = _crl_state(urls[0], issuer, env, now)
    if state is None or not _current(state, moment, env):
        return None
    serial = cert.serial_number
    listed = serial in state.revoked and serial not in state.released
    deltas = list(dict.fromkeys(pkix.cert_freshest_urls(cert) + list(state.freshest)))
    for url in deltas:
        delta, _origin = _crl_state(url, issuer, env, now)
        if delta is None or not _current(delta, moment, env):
            return None
        if serial in delta.revoked:
            listed = serial not in delta.released
    if listed:
        return None  # revoked or on hold: the full validation reports it with its time
    expires = min(
        issuer_path.expires_at or now + env.settings.verdict_ttl,
        now + env.settings.verdict_ttl,
        cert.not_valid_after_utc,
        state.next_update or now + env.settings.verdict_ttl,
    )
    info = RevocationInfo(
        certificate_sha256=pkix.fingerprint(cert),
        source="CRL",
        origin=origin,
        url=urls[0],
        this_update=iso(state.this_update),
        next_update=iso(state.next_update),
        status="GOOD",
        revocation_time=None,
    )
    return pkix.CertCheck(
        "ok",
        path=[cert, *issuer_path.path],
        revocation=[info, *issuer_path.revocation],
        expires_at=expires,
    )


def _named_issuer(cert: x509.Certificate, pool, anchors) -> x509.Certificate | None:
    """The first certificate offered whose subject is ``cert``'s issuer name. Only a candidate:
    its key must still be shown to have signed ``cert`` (:func:`_signed_by`); a same-named
    certificate with another key makes the short path give up, not look further."""
    name = pkix.name_ders(cert)[0]  # as encoded: another encoding of it takes the full path
    for candidate in (*pool, *anchors):
        if candidate is not cert and pkix.name_ders(candidate)[1] == name:
            return candidate
    return None


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer``'s key signed ``cert``: with the issuer's key object, built once per issuer
    (``verify_directly_issued_by`` loads it again for every certificate). Algorithms other
    than ECDSA and RSA PKCS#1 v1.5 are left to cryptography's own check."""
    key = pkix.public_key(issuer)
    hash_algorithm = cert.signature_hash_algorithm
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and cert.signature_algorithm_oid in _ECDSA:
            key.verify(cert.signature, pkix.tbs_bytes(cert), ec.ECDSA(hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey) and cert.signature_algorithm_oid in _RSA_PKCS1:
            key.verify(cert.signature, pkix.tbs_bytes(cert), padding.PKCS1v15(), hash_algorithm)
        else:
            cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _leaf_acceptable(cert: x509.Certificate, moment: datetime) -> bool:
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        return False
    hash_algorithm = cert.signature_hash_algorithm
    if hash_algorithm is None or hash_algorithm.name in _WEAK_HASHES:
        return False
    for extension in cert.extensions:
        if extension.critical and extension.oid not in _KNOWN_CRITICAL:
            return False
        if extension.oid == ExtensionOID.BASIC_CONSTRAINTS and extension.value.ca:
            return False
    return True


def _may_issue(issuer: x509.Certificate) -> bool:
    """A CA certificate allowed to sign end-entity certificates."""
    try:
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        if not issuer.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign:
            return False
    except x509.ExtensionNotFound:
        pass
    return True


def _issuer_state(issuer, *, cert, pool, anchors, moment, env, now) -> pkix.CertCheck | None:
    """The issuing CA's own validated path, shared by all its signers: kept in the verdict
    cache (emptied when the trust store changes) under the CA certificate's hash, the anchors'
    hashes and the other certificates offered (not the leaf), until the earliest of the
    verdict TTL, the revocation data's nextUpdate and the CA's own expiry (which
    ``check_certificate`` sets as the check's ``expires_at``). None when the CA may not issue,
    does not validate, or passes constraints down to its subordinates."""
    key = (
        "issuer-path",
        pkix.fingerprint(issuer),
        tuple(sorted(pkix.fingerprint(a) for a in anchors)),
        tuple(sorted(pkix.fingerprint(c) for c in pool if c is not cert and c is not issuer)),
    )
    cached = env.verdict_cache.get(key, now)
    if cached is not None:
        return cached if _valid_at(cached.path, moment) else None
    if not _may_issue(issuer):
        return None
    others = [c for c in pool if c is not issuer and c is not cert and pkix.issued_by(issuer, c)]
    check = pkix.check_certificate(issuer, pool=others, anchors=anchors, moment=moment, env=env)
    if check.status != "ok" or not check.path:
        return None
    if any(ext.oid in _INHERITED for c in check.path for ext in c.extensions):
        return None
    expires = min(
        check.expires_at or now + env.settings.verdict_ttl,
        now + env.settings.verdict_ttl,
        issuer.not_valid_after_utc,
    )
    env.verdict_cache.put(key, check, expires)
    return check if _valid_at(check.path, moment) else None


def _valid_at(path: list[x509.Certificate], moment: datetime) -> bool:
    """Every certificate of the cached path is within its validity at ``moment`` (the cache
    entry ends at the CA's expiry anyway; this holds for a ``moment`` other than the clock's)."""
    return all(c.not_valid_before_utc <= moment <= c.not_valid_after_utc for c in path)


def _crl_state(
    url: str, issuer: x509.Certificate, env, now: datetime
) -> tuple[_CrlState | None, str]:
    """The CA's CRL at ``url``, parsed and checked, re-read at most every
    ``crl_refresh`` (so a CRL the CA publishes on a revocation is seen within it)."""
    from signatures import pkix

    key = ("crl-state", url, pkix.fingerprint(issuer))
    state = env.revocation_cache.get(key, now)
    if state is not None:
        return state, "CACHED"
    der = _fetch_crl(url, env)
    if der is None:
        return None, "FETCHED"
    try:
        crl = x509.load_der_x509_crl(der)
        if crl.issuer != issuer.subject or not crl.is_signature_valid(pkix.public_key(issuer)):
            return None, "FETCHED"  # not the CA's: the full validation reports it
        for ext in crl.extensions:
            if ext.oid == ExtensionOID.ISSUING_DISTRIBUTION_POINT:
                return None, "FETCHED"  # partitioned or indirect: the full validation reads it
            if ext.critical and ext.oid not in (
                ExtensionOID.DELTA_CRL_INDICATOR,
                ExtensionOID.CRL_NUMBER,
            ):
                return None, "FETCHED"
        state = _CrlState(der, crl)
    except (ValueError, TypeError):
        return None, "FETCHED"
    expires = now + env.settings.crl_refresh
    if state.next_update is not None:
        expires = min(expires, state.next_update)
    env.revocation_cache.put(key, state, expires)
    return state, "FETCHED"


def _fetch_crl(url: str, env) -> bytes | None:
    """The CRL's current bytes (not the raw-bytes cache, which keeps a CRL until nextUpdate)."""
    try:
        env.fetch_count += 1
        return env.fetcher.get(url)
    except Exception:
        pkix.note_revocation_failure(kind="crl", url=url)
        return None


def _current(state: _CrlState, moment: datetime, env) -> bool:
    if state.this_update > moment + timedelta(seconds=1):
        return False
    if state.next_update is not None and state.next_update < moment:
        return False
    freshness = env.settings.freshness
    return freshness is None or moment - state.this_update <= freshness
