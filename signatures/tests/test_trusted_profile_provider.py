import pytest

from signatures import services

pytestmark = pytest.mark.django_db


def fingerprints() -> list[str]:
    return ["AB:CD:EF"]


def broken() -> list[str]:
    raise RuntimeError("certificate store unavailable")


def test_provider_and_static_list_are_combined(settings):
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = ["0011"]
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER = (
        "signatures.tests.test_trusted_profile_provider.fingerprints"
    )
    assert services.trusted_profile_seals() == {"0011", "abcdef"}


def test_a_failing_provider_fails_closed(settings):
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = []
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER = (
        "signatures.tests.test_trusted_profile_provider.broken"
    )
    assert services.trusted_profile_seals() == frozenset()
