"""Rate limits (issue 10, item 4): the request past the limit gets 429 with Retry-After, per
client IP for anonymous endpoints and per token for the submission API."""

from __future__ import annotations

import hashlib
import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from asn1crypto import tsp as asn1_tsp
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from certauth.models import TimestampRecord
from certauth.tests.fixtures import ca, pki_dir  # noqa: F401
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.ratelimits import ScopedThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings, monkeypatch):
    """Set a group's rate, with both counters' clocks held at one instant: the limits count
    in fixed windows, and a test's requests must not straddle a window's edge (on a slow
    machine the third request of a "2/m" test could fall into the next minute and pass)."""
    now = time.time()
    monkeypatch.setattr(ScopedThrottle, "timer", staticmethod(lambda: now))
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))

    def set_limit(group: str, rate: str = "2/m") -> None:
        settings.SEKAP_RATE_LIMITS = {group: rate}

    return set_limit


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 1 <= value <= 60
    return value


def _exhaust_then_refused(send, allowed: int = 2):
    for _ in range(allowed):
        assert send().status_code != 429
    refused = send()
    assert refused.status_code == 429
    _retry_after(refused)
    return refused


def test_signature_validation_api(client, limits):
    limits("signature_validation")
    refused = _exhaust_then_refused(
        lambda: client.post("/api/v1/signatures/validate", b"<a/>", content_type="application/xml")
    )
    body = refused.json()
    assert body["status"] == 429 and body["code"] == "throttled"
    # Another client (another IP) still has its allowance.
    other = client.post(
        "/api/v1/signatures/validate",
        b"<a/>",
        content_type="application/xml",
        REMOTE_ADDR="192.0.2.99",
    )
    assert other.status_code == 200


def test_verify_page_answers_a_translated_429_page(client, limits, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    limits("verify_page")
    refused = _exhaust_then_refused(lambda: client.post("/weryfikacja/", {}))
    page = refused.content.decode()
    assert "Too many requests" in page
    assert "Please try again in 1 minute." in page
    assert client.get("/weryfikacja/").status_code == 200  # reading the page is not limited


def test_verify_page_429_is_polish_by_default(client, limits):
    limits("verify_page", "1/m")
    client.post("/weryfikacja/", {})
    refused = client.post("/weryfikacja/", {})
    assert refused.status_code == 429
    assert "Zbyt wiele żądań" in refused.content.decode()


def _tsq() -> bytes:
    return asn1_tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": b"\x05" * 32,
            },
            "cert_req": False,
        }
    ).dump()


def test_tsa_is_limited_and_logs_outside_the_audit_chain(client, limits, ca):  # noqa: F811
    limits("tsa")
    audit_before = AuditEntry.objects.count()
    query = _tsq()

    def send():
        return client.post(
            "/pki/tsa",
            query,
            content_type="application/timestamp-query",
            REMOTE_ADDR="198.51.100.7",
        )

    _exhaust_then_refused(send)
    records = list(TimestampRecord.objects.order_by("pk"))
    assert len(records) == 2  # the refused request got no token
    assert {(r.requester_ip, r.request_sha256) for r in records} == {
        ("198.51.100.7", hashlib.sha256(query).hexdigest())
    }
    assert AuditEntry.objects.count() == audit_before  # no audit row, no chain lock


def test_ocsp_is_limited(client, limits):
    limits("ocsp")
    _exhaust_then_refused(lambda: client.get("/pki/ocsp/MAo="))


def test_registration_is_limited(client, limits):
    limits("register")
    _exhaust_then_refused(lambda: client.post("/konto/rejestracja/", {"email": "x"}))
    assert client.get("/konto/rejestracja/").status_code == 200


def test_password_reset_is_limited(client, limits):
    limits("password_reset")
    _exhaust_then_refused(lambda: client.post("/konto/haslo/", {"email": "someone@example.test"}))


def test_login_is_limited_beside_axes(client, limits):
    limits("login")
    _exhaust_then_refused(
        lambda: client.post(
            "/konto/logowanie/", {"username": f"nobody{id(object())}@x.test", "password": "x"}
        )
    )


def test_submission_api_is_limited_per_token(limits):
    limits("submission_api")
    first, second = APIClient(), APIClient()
    for api in (first, second):
        token = Token.objects.create(user=UserFactory())
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = _exhaust_then_refused(lambda: first.get("/api/v1/submissions/"))
    assert refused.json()["code"] == "throttled"
    # The same IP with another token is counted separately.
    assert second.get("/api/v1/submissions/").status_code == 200


def test_limit_off_when_rate_is_none(client, settings):
    settings.SEKAP_RATE_LIMITS = {"register": None}
    for _ in range(15):
        assert client.post("/konto/rejestracja/", {"email": "x"}).status_code != 429


@pytest.fixture
def counters_down(settings):
    """The rate-limit counters on a Redis server that is down (a closed local port)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_submission_api_answers_while_the_counters_are_down(limits, counters_down, caplog):
    """Found by the fault drill (tests/drills): with Redis stopped every API request was
    answered 500 by the throttle; now it goes through and the outage is logged."""
    limits("submission_api", "1/m")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    for _ in range(2):  # past the limit too: nothing can be counted
        assert api.get("/api/v1/submissions/").status_code == 200
    assert "rate-limit counters unavailable" in caplog.text


def test_limited_views_answer_while_the_counters_are_down(client, limits, counters_down, caplog):
    limits("verify_page", "1/m")
    for _ in range(2):
        assert client.post("/weryfikacja/", {}).status_code != 500
    assert "rate-limit counters unavailable" in caplog.text


def test_a_count_is_one_round_trip_on_one_redis_client(settings, monkeypatch):
    """The API throttle counts with one request to Redis (INCR and EXPIRE together), not the
    two round trips of Django's cache API; it and every cache read reuse the cache's one
    redis.Redis (``sekap.cache``), where Django's backend builds one per operation."""
    import redis
    from redis.connection import AbstractConnection

    from sekap.ratelimits import _count
    from tests.support import REQUIRE_SERVICES, unavailable

    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set", required=REQUIRE_SERVICES)
    settings.CACHES = {
        "default": {
            "BACKEND": "sekap.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "ratelimit-test",
        }
    }
    key = f"count-{id(object())}"
    assert _count(key, 60) == 1  # connects (and says hello) the first time
    clients, sent = [], []
    init, send = redis.Redis.__init__, AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.Redis, "__init__", lambda self, *a, **kw: clients.append(1) or init(self, *a, **kw)
    )
    monkeypatch.setattr(
        AbstractConnection,
        "send_packed_command",
        lambda self, *a, **kw: sent.append(1) or send(self, *a, **kw),
    )
    assert [_count(key, 60) for _ in range(3)] == [2, 3, 4]
    assert (len(clients), len(sent)) == (0, 3)
    assert caches["default"].get(key) == 4 and caches["default"].get("absent") is None
    assert (len(clients), len(sent)) == (0, 5)
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(f"ratelimit-test:1:{key}")
    assert 0 < ttl <= 60
