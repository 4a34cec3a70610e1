"""The platform as a client sees it: health, the public API and its schema, deployment files."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from offices.services import offices_load_csv

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


TOKEN = "monitoring-token-0123456789"


def test_anonymous_healthz_is_cheap_and_reveals_nothing(client, monkeypatch):
    from sekap import health

    def must_not_run() -> str:
        raise AssertionError("anonymous /healthz must not touch the broker or the workers")

    monkeypatch.setattr(health, "_broker", must_not_run)
    monkeypatch.setattr(health, "_worker", must_not_run)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_anonymous_healthz_says_fail_without_details(client, monkeypatch):
    from sekap import health

    def broken() -> str:
        raise ConnectionError("database at 10.0.0.5 refused")

    monkeypatch.setattr(health, "_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail"}


def test_healthz_details_needs_the_token(client, settings):
    settings.HEALTH_TOKEN = ""
    assert client.get("/healthz/details").status_code == 404
    settings.HEALTH_TOKEN = TOKEN
    assert client.get("/healthz/details").status_code == 403
    wrong = client.get("/healthz/details", HTTP_AUTHORIZATION="Bearer " + TOKEN[:-1] + "x")
    assert wrong.status_code == 403 and "checks" not in wrong.json()
    assert client.get("/healthz/details", HTTP_AUTHORIZATION=TOKEN).status_code == 403


def test_healthz_details_reports_each_check(client, settings, request):
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker_process")  # the worker check needs a worker
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTH_MIN_FREE_BYTES = 1
    response = client.get("/healthz/details", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    expected = {"database", "cache", "broker", "disk", "clamav"}
    expected |= {"worker"} if settings.REDIS_URL else set()
    assert set(body["checks"]) == expected
    assert all(check["ok"] for check in body["checks"].values())
    if not (settings.CLAMD_SOCKET or settings.CLAMD_HOST):
        assert body["checks"]["clamav"]["detail"] == (
            "ClamAV is not configured (CLAMD_SOCKET/CLAMD_HOST unset): uploads are not scanned."
        )


def test_healthz_details_answers_503_when_a_check_fails(client, settings, monkeypatch):
    from sekap import health

    def broken_cache() -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(health, "_cache", broken_cache)
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTH_MIN_FREE_BYTES = 1
    response = client.get("/healthz/details", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError: cache down",
        "ms": response.json()["checks"]["cache"]["ms"],
    }


def test_healthz_details_reports_low_disk_and_clamav_down(client, settings):
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTH_MIN_FREE_BYTES = 10**18
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    settings.CLAMD_HOST = ""
    response = client.get("/healthz/details", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert checks["disk"]["ok"] is False and "below 1000000000000000000" in checks["disk"]["error"]
    assert checks["clamav"]["ok"] is False


def test_offices_api_lists_filters_and_paginates(client):
    offices_load_csv()
    everything = client.get("/api/v1/offices/").json()
    assert everything["count"] == 54 and len(everything["results"]) == 50 and everything["next"]

    counties = client.get("/api/v1/offices/?kind=county").json()
    assert counties["count"] == 7 and {o["kind"] for o in counties["results"]} == {"county"}

    by_terc = client.get("/api/v1/offices/?terc=2466011").json()
    assert [o["name"] for o in by_terc["results"]] == ["Urząd Miejski w Gliwicach"]
    assert by_terc["results"][0]["esp_address"] == "/sekap-2466011/SkrytkaESP"

    fuzzy = client.get("/api/v1/offices/", {"q": "dabrowa gornicza"}).json()
    assert [o["terc"] for o in fuzzy["results"]] == ["2465011"]
    assert client.get("/api/v1/offices/2466011/").json()["seat"] == "Gliwice"
    assert client.get("/api/v1/offices/0000000/").status_code == 404


def test_openapi_schema_has_no_warnings_and_docs_page_renders(client, capsys):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/offices/" in schema["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_directory_page_searches_without_diacritics(client):
    offices_load_csv()
    page = client.get("/urzedy/", {"q": "czestochowa"}).content.decode()
    assert "Urząd Miasta Częstochowy" in page and "Gliwice" not in page
    detail = client.get("/urzedy/2464011/").content.decode()
    assert "/sekap-2464011/SkrytkaESP" in detail and "2464011" in detail


def test_docker_compose_describes_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "nginx", "web", "worker", "beat", "postgres", "redis", "clamd", "minio", "minio-bucket"
    }  # fmt: skip
    for name, service in services.items():
        if name == "minio-bucket":  # a one-shot job: creates the bucket and exits
            assert "restart" not in service
            continue
        assert "healthcheck" in service, name
    # stored documents in MinIO, the bucket created before the apps start
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["OBJECT_STORAGE_URL"] == "http://minio:9000"
        assert services[name]["depends_on"]["minio-bucket"] == {
            "condition": "service_completed_successfully"
        }
    assert "migrate" in services["web"]["command"]
    assert services["web"]["command"].index("migrate") < services["web"]["command"].index(
        "gunicorn"
    )
    assert "celery -A sekap worker" in services["worker"]["command"]
    assert "celery -A sekap beat" in services["beat"]["command"]
    assert {"postgres-data", "redis-data", "sekap-var", "minio-data"} <= set(compose["volumes"])
    assert "migrate" in (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]


def test_reverse_proxy_limits_the_body_and_is_the_only_trusted_proxy(settings):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"]  # reachable only through nginx
    assert set(services["nginx"]["ports"]) == {"80:80", "443:443"}
    nginx_ip = services["nginx"]["networks"]["sekap"]["ipv4_address"]
    app_env = services["web"]["environment"]
    assert app_env["TRUSTED_PROXIES"] == nginx_ip
    assert app_env["HTTPS"] == "true" and app_env["CLAMD_HOST"] == "clamd"
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    sizes = set(re.findall(r"client_max_body_size (\d+)m;", conf))
    assert sizes == {str(settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024))}
    assert settings.REQUEST_BODY_MAX_BYTES >= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    # OCSP GETs are pre-signed files nginx serves, in both server blocks (RFC 5019: plain HTTP);
    # the fallback bypasses Django (certauth/wsgi.py): nginx limits it, answering 429.
    assert conf.count("include /etc/nginx/snippets/sekap-ocsp.conf;") == 2
    ocsp = (ROOT / "deploy" / "nginx-ocsp.conf").read_text()
    assert "limit_req zone=ocsp" in ocsp and "add_header Retry-After 1 always;" in ocsp
    mounts = services["nginx"]["volumes"]
    assert "./deploy/nginx-ocsp.conf:/etc/nginx/snippets/sekap-ocsp.conf:ro" in mounts
    assert "sekap-ocsp:/var/lib/sekap-ocsp:ro" in mounts  # not sekap-var: no keys in nginx
    assert app_env["CERTAUTH_OCSP_PRESIGNED_DIR"] == "/var/lib/sekap-ocsp"
    assert "root /var/lib/sekap-ocsp;" in ocsp


def test_local_secret_key_is_generated_into_var_and_not_committed(settings):
    secret = Path(settings.VAR_DIR) / "secret_key"
    if not settings.SECRET_KEY.startswith(secret.read_text().strip()[:8]):
        pytest.skip("SECRET_KEY comes from the environment")
    assert len(settings.SECRET_KEY) >= 50
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "var/" in ignored
