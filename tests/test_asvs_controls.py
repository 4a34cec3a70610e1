"""ASVS 4.0.3 L2 controls that come from settings or framework defaults, pinned so that a change
of configuration fails a test (docs/security/asvs.md names each test in its row)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from lxml import etree

from documents.tests.fixtures import ca, citizen, pki_dir, sekap_trust, setup  # noqa: F401
from documents.tests.test_backoffice import clerk_of, two_offices  # noqa: F401
from forms_platform import selectors as forms_selectors
from forms_platform.tests.factories import ADDRESSEE, make_published
from forms_platform.tests.test_rendering import DATA as RENDER_DATA
from forms_platform.tests.test_rendering import SENDER as RENDER_SENDER
from offices.services import offices_load_csv
from sekap.accounts.models import UserSession
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    VerifiedCitizenFactory,
    add_totp_device,
    current_code,
    login_with_second_factor,
)

ROOT = Path(__file__).resolve().parents[1]
APPS = ["sekap", "portal", "documents", "payments", "offices", "forms_platform", "certauth"]
APPS += ["signatures"]
pytestmark = pytest.mark.django_db


def _login(client, user) -> None:
    response = client.post(
        "/konto/logowanie/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]


def client_json(url: str) -> dict:
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.json()


def _app_modules():
    """Application source, without tests, migrations and the test-only helpers."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & {"tests", "migrations"}:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_production_password_hashing_is_pbkdf2_with_enough_iterations_and_salt(settings):
    from sekap import settings as live_settings  # the module, not the test's overrides

    assert live_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    hasher = PBKDF2PasswordHasher()
    assert hasher.iterations >= 600_000 and hasher.digest().name == "sha256"
    assert hasher.salt_entropy >= 128
    settings.PASSWORD_HASHERS = live_settings.PASSWORD_HASHERS  # tests use a fast hash
    encoded = make_password("a long passphrase", hasher="pbkdf2_sha256")
    algorithm, iterations, _salt, _hash = encoded.split("$")
    assert (algorithm, int(iterations)) == ("pbkdf2_sha256", hasher.iterations)
    assert make_password("a long passphrase", hasher="pbkdf2_sha256") != encoded  # salted


def test_long_and_unicode_passwords_are_accepted_and_never_truncated():
    user = UserFactory()
    password = "Zażółć gęślą jaźń, 🙂 日本語 " * 8  # > 128 characters, any Unicode
    validate_password(password, user)
    user.set_password(password)
    assert user.check_password(password)
    assert not user.check_password(password[:-1])
    assert not user.check_password(password[:72])


def test_no_composition_rules_a_lower_case_passphrase_is_enough():
    validate_password("ogórki kiszone na zimę w piwnicy", UserFactory())


def test_login_forms_let_password_managers_fill_in(client):
    login = client.get("/konto/logowanie/").content.decode()
    register = client.get("/konto/rejestracja/").content.decode()
    assert re.search(r'<input type="password"[^>]*autocomplete="current-password"', login)
    assert re.search(r'<input type="password"[^>]*autocomplete="new-password"', register)
    assert "onpaste" not in login + register


def test_login_issues_a_new_session_key_with_httponly_lax_cookies(client):
    client.get("/konto/logowanie/")
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key

    _login(client, UserFactory())

    after = client.cookies["sessionid"]
    assert after.value != before and len(after.value) == 32
    assert not UserSession.objects.filter(session_key=before).exists()
    assert after["httponly"] is True and after["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"
    assert "sessionid" not in client.get("/").content.decode()


def test_logout_ends_the_session_on_the_server(client, settings):
    assert settings.SESSION_ENGINE == "sekap.accounts.session_db"
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    _login(client, UserFactory())
    stolen = client.cookies["sessionid"].value
    assert client.get("/konto/wylogowanie/").status_code == 405  # POST only
    client.post("/konto/wylogowanie/")

    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/konto/profil/").status_code == 302
    assert not UserSession.objects.filter(session_key=stolen).exists()


def test_csrf_refused_on_pages_and_on_session_authenticated_api_calls():
    client = Client(enforce_csrf_checks=True)
    user = UserFactory()
    refused = client.post(
        "/konto/logowanie/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 403 and "_auth_user_id" not in client.session
    client.force_login(user)
    api = client.post("/api/v1/submissions/", {}, content_type="application/json")
    assert api.status_code == 403
    assert "CSRF" in api.json()["detail"]


def test_security_headers_on_every_response(client):
    for response in (client.get("/"), client.get("/api/v1/offices/"), client.get("/nope/")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "Server" not in response and "X-Powered-By" not in response


def test_no_cors_headers_for_another_origin(client):
    response = client.get("/api/v1/offices/", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_debug_is_off_unless_asked_for():
    from sekap import settings as live_settings

    source = Path(live_settings.__file__).read_text(encoding="utf-8")
    assert re.search(r'^DEBUG = env\.bool\("DEBUG", default=False\)$', source, re.M)
    if "DEBUG" not in os.environ:
        assert live_settings.DEBUG is False


def test_no_directory_listing_for_static_or_media(client):
    for path in ("/static/", "/static/css/", "/media/"):
        assert client.get(path).status_code == 404, path


def test_unlisted_http_methods_are_refused(client):
    assert client.delete("/api/v1/signatures/validate").status_code == 405
    assert client.put("/api/v1/offices/").status_code == 405
    assert client.post("/api/v1/offices/").status_code in (401, 403, 405)


def test_a_totp_code_is_accepted_once_per_time_step():
    device = add_totp_device(UserFactory())
    assert (device.step, device.digits) == (30, 6)
    code = current_code(device)
    assert device.verify_token(code)
    assert not TOTPDevice.objects.get(pk=device.pk).verify_token(code)


def test_documents_are_downloaded_as_attachments_named_by_id(client, two_offices):  # noqa: F811
    a, _b, case_a, _case_b, _applicant = two_offices
    login_with_second_factor(client, clerk_of(a))
    submission = case_a.submissions.get()

    response = client.get(f"/backoffice/sprawy/{case_a.pk}/dokumenty/{submission.public_id}.xml")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{submission.public_id}.xml"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_load_nothing_from_other_origins_and_scripts_keep_no_secrets_in_web_storage():
    offending = []
    for path in ROOT.glob("*/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r'<(script|link|img|iframe)\b[^>]*(src|href)="(https?:)?//', text, re.I):
            offending.append(str(path.relative_to(ROOT)))
    for path in list((ROOT / "static").rglob("*.js")) + list(ROOT.glob("*/static/**/*.js")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\b(localStorage|sessionStorage|document\.cookie|eval)\b", text):
            offending.append(str(path.relative_to(ROOT)))
        # IndexedDB holds only the person's own signing key, generated non-extractable.
        for call in re.findall(r"crypto\.subtle\.generateKey\(([^;]*)\)", text):
            if ", false," not in call:
                offending.append(f"{path.relative_to(ROOT)}: extractable key")
    assert offending == []


def test_application_code_runs_no_shell_and_deserialises_no_pickle_or_yaml():
    found = []
    for path, tree in _app_modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if {n.split(".")[0] for n in names} & {"pickle", "marshal", "shelve", "yaml"}:
                found.append(f"{path.relative_to(ROOT)}: import {names}")
            if (
                isinstance(node, ast.keyword)
                and node.arg == "shell"
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: shell=")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"system", "popen"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: os.{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"eval", "exec"}
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}()")
    assert found == []


def test_repeated_parameters_take_one_value_and_never_combine():
    offices_load_csv()
    one = client_json("/api/v1/offices/?kind=county")
    repeated = client_json("/api/v1/offices/?kind=municipality&kind=county")
    assert repeated["count"] == one["count"] == 7  # the last value wins, the first is ignored
    assert {o["kind"] for o in repeated["results"]} == {"county"}
    assert Client().get("/api/v1/offices/?page=1&page=x").status_code == 404


HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


def test_pages_escape_what_a_person_typed(client):
    user = UserFactory(first_name=HOSTILE, last_name=HOSTILE)
    client.force_login(user)
    page = client.get("/konto/profil/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_document_rendering_escapes_values_and_the_stylesheet_reaches_no_file(tmp_path):
    version = make_published()
    data = {**RENDER_DATA, "Opis": HOSTILE}
    sender = {**RENDER_SENDER, "first_name": HOSTILE}
    xml = forms_selectors.build_document(
        version=version, data=data, sender=sender, addressee=ADDRESSEE
    )
    html = forms_selectors.render_html(xml)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    secret = tmp_path / "secret.xml"
    secret.write_text("<secret>key</secret>")
    reads_a_file = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        f'<xsl:template match="/"><x><xsl:copy-of select="document(\'{secret.as_uri()}\')"/>'
        "</x></xsl:template></xsl:stylesheet>"
    )
    unguarded = etree.XSLT(etree.fromstring(reads_a_file.encode()))
    assert "key" in str(unguarded(etree.fromstring(b"<a/>")))  # the sheet works without a guard
    with pytest.raises(etree.XSLTApplyError):
        forms_selectors._transform(reads_a_file)(etree.fromstring(b"<a/>"))


def test_an_uploaded_file_name_cannot_choose_where_the_file_is_stored(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sekap.accounts.services import representation_request

    representation = representation_request(
        user=VerifiedCitizenFactory(),
        nip="1234563218",
        name="Firma",
        power_of_attorney=SimpleUploadedFile("../../../etc/cron.d/evil;rm -rf.pdf", b"%PDF-1.4"),
    )

    stored = representation.power_of_attorney.name
    assert stored.startswith("poa/") and ".." not in stored and "/etc/" not in stored
    assert ";" not in stored and " " not in stored
    storage = representation.power_of_attorney.storage
    if hasattr(storage, "bucket"):  # object storage: the only object is the cleaned name
        keys = [o.key for o in storage.bucket.objects.filter(Prefix=f"{storage.location}/")]
        assert keys == [f"{storage.location}/{stored}"]
        return
    path = Path(representation.power_of_attorney.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
