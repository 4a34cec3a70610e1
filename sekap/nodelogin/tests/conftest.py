import pytest

from . import support


@pytest.fixture
def node_answers(settings):
    """Script the back channel: ``node_answers(lambda body: ...)``."""
    settings.NODELOGIN_SOAP_TRANSPORT = "sekap.nodelogin.tests.support.scripted"

    def use(script):
        support.SCRIPT.append(script)

    yield use
    support.SCRIPT.clear()


@pytest.fixture(autouse=True)
def _one_address(settings):
    """The test client's address, also for what tests build outside a request (artifacts)."""
    settings.SITE_URL = "http://testserver"
