"""The platform's public address: required in production, the served address otherwise."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sekap import site


@pytest.mark.parametrize(
    ("url", "ids"),
    [
        ("", ["sekap.E001"]),
        ("sekap.example", ["sekap.E001"]),
        ("http://127.0.0.1:8000", ["sekap.E002"]),
        ("http://localhost:8000", ["sekap.E002"]),
        ("http://[::1]/", ["sekap.E002"]),
        ("http://0.0.0.0", ["sekap.E002"]),
        ("https://portal.localhost", ["sekap.E002"]),
        ("https://sekap.slaskie.pl", []),
        ("https://10.0.0.5", []),
    ],
)
def test_production_refuses_a_missing_or_loopback_site_url(settings, url, ids):
    settings.PRODUCTION = True
    settings.SITE_URL = url
    assert [message.id for message in site.site_url_check()] == ids


def test_the_embedded_default_needs_no_site_url(settings):
    settings.PRODUCTION = False
    settings.SITE_URL = ""
    assert site.site_url_check() == []
    call_command("check")  # start-up passes


def test_start_up_stops_in_production_without_a_site_url(settings):
    settings.PRODUCTION = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(SystemCheckError, match=r"sekap\.E002"):
        call_command("check")


def test_public_url_is_the_setting_else_the_address_served(settings, rf):
    settings.SITE_URL = "https://sekap.slaskie.pl/"
    assert site.public_url("/upo/1/") == "https://sekap.slaskie.pl/upo/1/"
    settings.SITE_URL = ""
    assert site.public_url("/upo/1/") == "http://127.0.0.1:8000/upo/1/"  # no request: make run
    seen = []
    middleware = site.ServedAddressMiddleware(lambda request: seen.append(site.public_url("/x/")))
    middleware(rf.get("/", HTTP_HOST="localhost:41234"))
    middleware(rf.get("/", HTTP_HOST="evil.example"))  # not in ALLOWED_HOSTS: not trusted
    assert seen == ["http://localhost:41234/x/", "http://127.0.0.1:8000/x/"]
    assert site.public_url() == "http://127.0.0.1:8000"
