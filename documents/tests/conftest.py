import pytest

from documents.tests.fixtures import ca, citizen, pki_dir, sekap_trust, setup  # noqa: F401


@pytest.fixture
def store_outside_transactions(settings) -> None:
    """The document store refuses to write inside a transaction (``StoreInsideTransaction``):
    a test using this fixture fails when its service writes to object storage inside one."""
    settings.DOCUMENT_STORE_IN_TRANSACTION = "refuse"
