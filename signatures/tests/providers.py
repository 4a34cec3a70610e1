"""A trust-anchor provider for tests (what SIGNATURES_TRUST_ANCHORS_PROVIDER points at)."""

ANCHORS: list[bytes] = []


def anchors() -> list[bytes]:
    return list(ANCHORS)
