"""Project-wide pytest setup: service requirements and the real Celery worker."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import hypothesis
import pytest

from tests.support import (  # noqa: F401  (fixtures registered for every test module)
    REQUIRE_SERVICES,
    SharedRows,
    clamd_running,
    compiled,
    database_url,
    object_storage,
    object_storage_bucket_ensure,
    unavailable,
    xmlsec1_installed,
)

ROOT = Path(__file__).resolve().parent

# Hypothesis: "ci" (the default, used by `make test` and CI) is derandomised and keeps no example
# database, so a green run is repeatable; "fuzz" (`make fuzz`) explores with random seeds.
hypothesis.settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items) -> None:
    # Worker and browser tests run last: they are the slowest and need live servers.
    def weight(item) -> int:
        if item.get_closest_marker("browser"):
            return 2
        if item.get_closest_marker("worker"):
            return 1
        return 0

    items.sort(key=weight)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # after the test's own fixtures: rows shared by a module's tests end with the last of them
    yield
    SharedRows.end_unless_wanted(item, nextitem)


@pytest.fixture(scope="session", autouse=True)
def _object_storage_bucket() -> None:
    """On object storage (CI's second pass) the bucket exists before the first test."""
    from django.conf import settings

    default = settings.STORAGES["default"]
    if "bucket_name" in default.get("OPTIONS", {}):
        object_storage_bucket_ensure(default)


@pytest.fixture(scope="session", autouse=True)
def _flush_tables_with_rows() -> None:
    """After a test that commits, PostgreSQL empties only the tables with rows (tests/flush.py)."""
    from tests import flush

    flush.install()


@pytest.fixture(scope="session", autouse=True)
def _s3_requests_signed_with_the_real_clock() -> Iterator[None]:
    """Tests move this process's clock (time_machine); an S3 server's clock stays put, and a real
    one (CI's radosgw, MinIO) refuses a request signed more than 15 minutes off its own clock
    (403 RequestTimeTooSkewed). So the S3 client signs with the real time while Django's clock
    travels; an object's LastModified is the server's time, as in production."""
    import botocore.auth
    import time_machine

    real = time_machine.escape_hatch

    def real_utc_now(remove_tzinfo: bool = True) -> dt.datetime:
        clock = real.datetime.datetime if real.is_travelling() else dt.datetime
        now = clock.now(dt.UTC)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    with mock.patch.object(botocore.auth, "get_current_datetime", real_utc_now):
        yield


# Stored documents of ``worker`` tests: where the real worker (a subprocess started once) finds
# them too, a directory or a key prefix of the bucket shared by those tests and the worker.
WORKER_MEDIA = ROOT / "var" / f"test-worker-media-{uuid.uuid4().hex[:8]}"
WORKER_PREFIX = f"t/worker-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, request) -> None:
    worker = request.node.get_closest_marker("worker") is not None
    settings.MEDIA_ROOT = WORKER_MEDIA if worker else tmp_path / "media"
    settings.CERTAUTH_OCSP_PRESIGNED_DIR = str(tmp_path / "ocsp")
    default = settings.STORAGES["default"]
    if "OPTIONS" in default and "bucket_name" in default["OPTIONS"]:
        # object storage (OBJECT_STORAGE_URL): each test has a prefix of its own in the bucket
        location = WORKER_PREFIX if worker else f"t/{uuid.uuid4().hex}"
        default = {**default, "OPTIONS": {**default["OPTIONS"], "location": location}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default,
        "audit_anchors": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "audit-anchors")},
        },
    }
    # A deliberately slow password hash has no place in tests (the live setting is unchanged).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate-limit counters live in the shared cache: give each test its own namespace.
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    # Every test fails when a service writes a document to object storage inside a transaction
    # (a network call there); the live setting logs it (sekap.storage).
    settings.DOCUMENT_STORE_IN_TRANSACTION = "refuse"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request served in English by an earlier
    test leaves its language active in the thread, which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run Celery tasks in-process; only ``worker`` tests use the real worker."""
    if request.node.get_closest_marker("worker"):
        # Celery's "inside a task" flag is process-wide: two eager tasks run at once in two
        # threads (a live server's and the test's) can leave it set, and then result.get()
        # refuses ("Never call result.get() within a task!"). This process is never a worker.
        from celery.result import allow_join_result

        with allow_join_result():
            yield
        return
    from sekap.celery import app

    eager, propagates = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager, propagates


@pytest.fixture(autouse=True)
def _no_intake_run_queued():
    """No test starts with an intake run marked queued by an earlier one (the mark would keep
    this test's acceptances from queueing their runs until it expires)."""
    from documents.dispatch import intake_wake_taken

    intake_wake_taken()
    yield


@pytest.fixture
def english():
    """Run the test with English messages (the msgids) instead of the Polish default."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` subprocess on Redis, using the test database.

    Tests that use it must commit their data (``@pytest.mark.django_db(transaction=True)``).
    """
    from django.conf import settings
    from django.db import connection

    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set", required=REQUIRE_SERVICES)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable: {exc}", required=REQUIRE_SERVICES)

    from sekap.celery import app

    app.control.purge()
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = os.environ | {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "sekap.settings",
        "MEDIA_ROOT": str(WORKER_MEDIA),
        "OBJECT_STORAGE_PREFIX": WORKER_PREFIX,
    }
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [
            str(celery),
            "-A",
            "sekap",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--hostname",
            name,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}")
        if app.control.ping(destination=[name], timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
