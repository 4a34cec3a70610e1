"""Publishing a task (sekap.dispatch) on the Redis broker: through one Redis client kept per
pooled connection, not a client built for every message (kombu's channel builds one per
publish, ~0.5 ms of a submit request's CPU)."""

from __future__ import annotations

import json
import uuid

import pytest

from sekap import dispatch
from sekap.celery import app as celery_app
from tests.support import REQUIRE_SERVICES, unavailable


@pytest.fixture
def redis_broker(settings):
    import redis

    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set", required=REQUIRE_SERVICES)
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable: {exc}", required=REQUIRE_SERVICES)
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = settings.REDIS_URL, False
    settings.DISPATCH_TEST_QUEUE = f"test-dispatch-{uuid.uuid4().hex[:8]}"
    try:
        yield redis.Redis.from_url(settings.REDIS_URL)
    finally:
        conf.broker_url, conf.task_always_eager = saved
        redis.Redis.from_url(settings.REDIS_URL).delete(settings.DISPATCH_TEST_QUEUE)


def test_messages_are_published_through_one_redis_client(redis_broker, settings, monkeypatch):
    import redis

    def send(n: int) -> bool:
        return dispatch.dispatch_task(
            task_name="documents.tasks.intake_run",
            queue_setting="DISPATCH_TEST_QUEUE",
            submission_id=n,
        )

    assert send(0)  # connects (and declares the queue) the first time
    clients: list = []
    init = redis.Redis.__init__
    monkeypatch.setattr(
        redis.Redis, "__init__", lambda self, *a, **kw: clients.append(1) or init(self, *a, **kw)
    )
    assert [send(n) for n in (1, 2, 3)] == [True, True, True]
    assert clients == []
    monkeypatch.undo()
    queued = [json.loads(m) for m in redis_broker.lrange(settings.DISPATCH_TEST_QUEUE, 0, -1)]
    headers = sorted((m["headers"]["task"], m["headers"]["kwargsrepr"]) for m in queued)
    assert headers == [
        ("documents.tasks.intake_run", f"{{'submission_id': {n}}}") for n in range(4)
    ]
