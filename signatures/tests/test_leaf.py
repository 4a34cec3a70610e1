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
