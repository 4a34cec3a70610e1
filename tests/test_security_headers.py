"""Headers and transport (issue 10, item 8): CSP without 'unsafe-inline' on every page, with
nonces on inline script/style; HTTPS settings; proxy headers trusted only from our proxy; the
second-factor middleware matched on path_info."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/urzedy/",
    "/konto/logowanie/",
    "/konto/rejestracja/",
    "/konto/haslo/",
    "/weryfikacja/",
    "/api/docs/",
    "/api/redoc/",
    "/no-such-page/",
    "/konto/profil/",  # logged in (below)
]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b[^>]*>", re.I)


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csp_without_unsafe_inline(client, path):
    if path == "/konto/profil/":
        client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code in (200, 404), path
    policy = _csp(response)
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    nonces = [v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")]
    for tag in INLINE_SCRIPT.findall(html) + INLINE_STYLE.findall(html):
        assert nonces and f'nonce="{nonces[0]}"' in tag, (path, tag)
    # Attributes cannot carry a nonce: no inline styles or event handlers at all.
    assert not re.search(r"<[^>]+\sstyle=", html), path
    assert not re.search(r"<[^>]+\son[a-z]+=", html), path


def test_swagger_init_script_is_served_separately(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    script = re.search(r'<script src="([^"]*\?script=)"', page)
    assert script, page
    assert client.get(script.group(1)).status_code == 200


def _settings_under(env: dict[str, str]) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({k: getattr(settings, k, None) for k in ("
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'TRUSTED_PROXIES')}))"
    )
    ours = ("HTTPS", "SECURE_PROXY_SSL", "PRODUCTION", "SESSION_COOKIE_SECURE")
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "sekap.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_https_deployment_settings():
    on = _settings_under({"HTTPS": "true", "TRUSTED_PROXIES": "172.16.0.0/12"})
    assert on == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "TRUSTED_PROXIES": ["172.16.0.0/12"],
    }
    production = _settings_under({"PRODUCTION": "true"})
    assert production["SECURE_SSL_REDIRECT"] is True and production["SESSION_COOKIE_SECURE"]
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    off = _settings_under({})
    assert off["SECURE_SSL_REDIRECT"] is False and off["SECURE_HSTS_SECONDS"] == 0


def test_https_redirect_and_hsts_headers(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    plain = client.get("/urzedy/", REMOTE_ADDR="10.0.0.2")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    # A client cannot claim HTTPS itself: X-Forwarded-Proto counts only from the proxy.
    forged = client.get("/urzedy/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301
    proxied = client.get("/urzedy/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/healthz", REMOTE_ADDR="10.0.0.2").status_code == 200  # exempt


def _failed_login(client, **headers) -> AuditEntry:
    client.post("/konto/logowanie/", {"username": "x@example.test", "password": "bad"}, **headers)
    return AuditEntry.objects.filter(action="accounts.login_failed").latest("seq")


def test_forwarded_headers_ignored_from_a_client(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    response = client.post(
        "/konto/logowanie/",
        {"username": "x@example.test", "password": "bad"},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_REQUEST_ID="chosen-by-client",
    )
    entry = AuditEntry.objects.filter(action="accounts.login_failed").latest("seq")
    assert entry.ip == "203.0.113.5"
    assert entry.request_id != "chosen-by-client"
    assert response["X-Request-ID"] == entry.request_id


def test_forwarded_headers_used_from_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    entry = _failed_login(
        client,
        REMOTE_ADDR="10.0.0.2",
        # the client prepended a forged address; nginx appended the real one, then a 2nd proxy
        HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.1, 10.0.0.7",
        HTTP_X_REQUEST_ID="nginx-0123456789",
    )
    assert entry.ip == "198.51.100.1"
    assert entry.request_id == "nginx-0123456789"


def test_forged_forwarded_for_does_not_buy_a_new_rate_limit(client, settings):
    settings.SEKAP_RATE_LIMITS = {"register": "2/m"}
    codes = [
        client.post(
            "/konto/rejestracja/",
            {"email": "x"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(3)
    ]
    assert codes[2] == 429 and 429 not in codes[:2]


def test_second_factor_enforced_under_a_path_prefix(client):
    staff = StaffFactory()
    client.force_login(staff)
    # Mounted under /sekap: request.path is /sekap/backoffice/, path_info is /backoffice/.
    response = client.get("/backoffice/", SCRIPT_NAME="/sekap")
    assert response.status_code == 302
    assert "/konto/2fa/" in response["Location"]
