from __future__ import annotations

import pytest

from signatures import pkix
from signatures.tests.pki import build_pki
from signatures.validator import ValidationPolicy


@pytest.fixture(scope="session")
def pki():
    instance = build_pki()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def corpus(pki):
    from signatures.tests.corpus.build import build_corpus

    return {case.name: case for case in build_corpus(pki)}


@pytest.fixture
def env() -> pkix.PkixEnvironment:
    return pkix.PkixEnvironment(fetcher=pkix.UrllibFetcher(timeout=3))


@pytest.fixture
def policy(pki) -> ValidationPolicy:
    return ValidationPolicy(
        trust_anchors=(pki.root.der,),
        trusted_profile_sealers=frozenset({pkix.fingerprint(pki.seal.cert)}),
    )


@pytest.fixture
def sekap_trust(settings, pki):
    from signatures import services
    from signatures.tests import providers

    providers.ANCHORS[:] = [pki.root.der]
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = "signatures.tests.providers.anchors"
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = [pkix.fingerprint(pki.seal.cert)]
    services.reset_environment()
    yield
    providers.ANCHORS[:] = []
    services.reset_environment()
