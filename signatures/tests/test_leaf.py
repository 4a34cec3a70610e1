"""The short path for new signers of a validated CA (signatures/leaf.py) only ever accepts:
whatever it cannot vouch for goes to the full path validation, which names the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signatures import leaf, pkix


def _env(**settings) -> pkix.PkixEnvironment:
    return pkix.PkixEnvironment(
        fetcher=pkix.UrllibFetcher(timeout=3), settings=pkix.PkixSettings(**settings)
    )


def _check(pki, cert, env):
    return pkix.check_certificate(
        cert, pool=[cert, pki.ca.cert], anchors=[pki.root.cert], moment=datetime.now(UTC), env=env
    )


def test_a_second_signer_is_accepted_on_the_cas_crl_without_a_fetch(pki):
    env = _env()
    assert _check(pki, pki.issue("First").cert, env).status == "ok"
    fetched = env.fetch_count
    check = _check(pki, pki.issue("Second").cert, env)
    assert check.status == "ok" and env.fetch_count == fetched
    assert [(r.source, r.origin, r.status) for r in check.revocation[:1]] == [
        ("CRL", "CACHED", "GOOD")
    ]
    assert check.path[1:] == [pki.ca.cert, pki.root.cert]


def test_a_signer_listed_on_the_crl_goes_to_the_full_validation_and_is_revoked(pki):
    env = _env(crl_refresh=timedelta(0))  # the CA's newest CRL is read for each signer
    assert _check(pki, pki.issue("Warm").cert, env).status == "ok"
    revoked = pki.issue("Revoked").cert
    pki.revoke(revoked, datetime.now(UTC) - timedelta(minutes=1))
    now = datetime.now(UTC)
    assert (
        leaf.check_leaf(
            revoked,
            pool=[revoked, pki.ca.cert],
            anchors=[pki.root.cert],
            moment=now,
            env=env,
            now=now,
        )
        is None
    )
    assert _check(pki, revoked, env).status == "revoked"


def test_what_the_short_path_cannot_vouch_for_is_left_to_the_full_validation(pki):
    env = _env()
    assert _check(pki, pki.issue("Warm 2").cert, env).status == "ok"
    now = datetime.now(UTC)
    expired = pki.issue(
        "Expired", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    ).cert
    no_crl = pki.issue("OCSP only", crl_url=False).cert
    other_ca = pki.issue("Unknown CA's signer", issuer=pki.other_root).cert
    for cert in (expired, no_crl, other_ca):
        assert (
            leaf.check_leaf(
                cert,
                pool=[cert, pki.ca.cert],
                anchors=[pki.root.cert],
                moment=now,
                env=env,
                now=now,
            )
            is None
        )
    assert _check(pki, expired, env).status == "expired"
    assert _check(pki, no_crl, env).status == "ok"
    assert _check(pki, other_ca, env).status == "no_chain"


def _leaf(pki, cert, env, *, pool=None, anchors=None, moment=None):
    moment = moment or datetime.now(UTC)
    return leaf.check_leaf(
        cert,
        pool=pool or [cert, pki.ca.cert],
        anchors=anchors or [pki.root.cert],
        moment=moment,
        env=env,
        now=moment,
    )


def test_with_the_issuing_path_cached_a_newly_revoked_signer_is_still_refused(pki):
    env = _env(crl_refresh=timedelta(0))  # the CA's newest CRL is read for each signer
    assert _check(pki, pki.issue("Warm 3").cert, env).status == "ok"
    assert _leaf(pki, pki.issue("Good").cert, env) is not None  # the CA's path: from the cache
    revoked = pki.issue("Revoked later").cert
    assert _leaf(pki, revoked, env) is not None
    pki.revoke(revoked, datetime.now(UTC) - timedelta(seconds=5))
    assert _leaf(pki, revoked, env) is None
    assert _check(pki, revoked, env).status == "revoked"
    assert _leaf(pki, pki.issue("Good again").cert, env) is not None


def test_a_changed_trust_store_is_not_answered_from_the_cached_issuing_path(pki):
    env = _env()
    assert _check(pki, pki.issue("Warm 4").cert, env).status == "ok"
    signer = pki.issue("Signer under a root no longer trusted").cert
    assert _leaf(pki, signer, env, anchors=[pki.other_root.cert]) is None
    check = pkix.check_certificate(
        signer,
        pool=[signer, pki.ca.cert],
        anchors=[pki.other_root.cert],
        moment=datetime.now(UTC),
        env=env,
    )
    assert check.status == "no_chain"


def test_a_same_named_ca_with_another_key_does_not_borrow_the_cached_path(pki):
    env = _env()
    assert _check(pki, pki.issue("Warm 5").cert, env).status == "ok"
    impostor = pki._make_ca("SEKAP Test Issuing CA", None)  # same name, own key, untrusted
    forged = pki.issue("Forged", issuer=impostor).cert
    for pool in (
        [forged, pki.ca.cert],
        [forged, impostor.cert],
        [forged, impostor.cert, pki.ca.cert],
    ):
        assert _leaf(pki, forged, env, pool=pool) is None
        check = pkix.check_certificate(
            forged, pool=pool, anchors=[pki.root.cert], moment=datetime.now(UTC), env=env
        )
        assert check.status != "ok", pool
    # A second CA of the same name under the trusted root (a re-keyed CA): its signers pass,
    # each against its own CA's path and CRL, and never against the other CA's key.
    rekeyed = pki.make_issuing_ca("rekeyed", cn="SEKAP Test Issuing CA")
    signer = pki.issue("Under the re-keyed CA", issuer=rekeyed, crl_path="/crl/rekeyed.crl").cert
    assert _leaf(pki, signer, env, pool=[signer, pki.ca.cert]) is None
    check = _leaf(pki, signer, env, pool=[signer, rekeyed.cert])
    assert check is not None and check.path[1:] == [rekeyed.cert, pki.root.cert]


def test_an_expired_issuer_is_not_accepted_from_the_cache(pki):
    env = _env(verdict_ttl=timedelta(hours=2), crl_refresh=timedelta(hours=2))
    now = datetime.now(UTC)
    expired = pki.make_issuing_ca("expired", not_after=now - timedelta(minutes=1))
    late = pki.issue("Signer of an expired CA", issuer=expired, crl_path="/crl/expired.crl").cert
    assert _leaf(pki, late, env, pool=[late, expired.cert]) is None
    assert _check(pki, late, env).status != "ok"

    ending = pki.make_issuing_ca("ending", not_after=now + timedelta(minutes=30))
    first, second = (
        pki.issue(f"Signer {i} of an ending CA", issuer=ending, crl_path="/crl/ending.crl").cert
        for i in (1, 2)
    )
    check = _leaf(pki, first, env, pool=[first, ending.cert])
    assert check is not None and check.expires_at <= ending.cert.not_valid_after_utc
    after = ending.cert.not_valid_after_utc + timedelta(seconds=1)
    assert _leaf(pki, second, env, pool=[second, ending.cert], moment=after) is None


def test_the_to_be_signed_part_is_cut_from_the_der_as_cryptography_gives_it(pki):
    for cert in (pki.issue("EC").cert, pki.issue("RSA", rsa_bits=2048).cert, pki.root.cert):
        assert pkix.tbs_bytes(cert) == cert.tbs_certificate_bytes


class _Unhashable:
    """A certificate that refuses ``hash()`` (a certificate's hash walks all of it)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, cert) -> None:
        self._cert = cert

    def __getattr__(self, name: str):
        return getattr(self._cert, name)


def test_what_validation_derives_from_a_certificate_is_kept_with_it_not_hashed(pki):
    from cryptography.hazmat.primitives import hashes, serialization

    from signatures import validator, xades

    cert = _Unhashable(pki.issue("Kept", subject={"serial": "PNOPL-90010112345"}).cert)
    assert pkix.fingerprint(cert) == cert.fingerprint(hashes.SHA256()).hex()
    assert pkix.der(cert) == cert.public_bytes(serialization.Encoding.DER)
    assert pkix.public_key(cert) is pkix.public_key(cert)
    assert xades.signer_info(cert) is xades.signer_info(cert)
    assert xades.signer_info(cert).pesel == "90010112345"
    assert validator._key_profile(cert) == ("ec", 256, True)
    assert pkix.cert_memo(cert) is not pkix.cert_memo(_Unhashable(cert._cert))


def test_a_crl_from_another_issuer_leaves_the_signer_to_the_full_validation(pki):
    """A CRL at the signer's distribution point that its CA did not sign: the short path
    steps aside (it raised on unpacking before, an internal error for a valid signer) and
    the full validation decides, here on the CA's OCSP answer."""
    pki.make_issuing_ca("stranger-crl")
    env = _env(crl_refresh=timedelta(0))
    assert _check(pki, pki.issue("Warm 4").cert, env).status == "ok"  # the CA's path: cached
    signer = pki.issue("CRL of a stranger", crl_path="/crl/stranger-crl.crl").cert
    assert _leaf(pki, signer, env) is None
    check = _check(pki, signer, env)  # the CRL is not the CA's; its OCSP responder answers
    assert check.status == "ok"
    assert [(r.source, r.status) for r in check.revocation[:1]] == [("OCSP", "GOOD")]
