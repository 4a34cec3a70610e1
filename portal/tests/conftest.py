import pytest

from offices.tests.catalogue_rows import _full_catalogue_rows, full_catalogue  # noqa: F401
from portal.tests.fixtures import (  # noqa: F401
    _catalogue_rows,
    ca,
    catalogue,
    cert_profiles,
    pki_dir,
    platform_trust,
    sekap_trust,
    verified,
)


@pytest.fixture
def en_client(client):
    """A test client whose requests ask for English pages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
