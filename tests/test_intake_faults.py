"""Fault tests of the intake: nothing is lost when the worker or the broker is away.

* worker stopped: submissions are accepted and receipted; when a worker starts, each is
  processed exactly once (and redelivered messages change nothing);
* Redis unreachable (the broker URL points at a closed port): submissions are still accepted
  and receipted; the beat sweeper dispatches them later.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from certauth.models import CertificateAuthority
from certauth.services import seals
from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles
from documents.models import Case, Receipt, RegisterEntry, Stage, Submission
from documents.services import intake
from documents.tests.fixtures import (  # noqa: F401
    WORKER_SETTINGS,
    ca,
    citizen,
    document_for,
    make_citizen,
    make_service,
    pesel,
    pki_dir,
    sekap_trust,
    setup,
)
from sekap.audit.models import AuditEntry
from sekap.celery import app as celery_app
from tests.support import REQUIRE_SERVICES, database_url, unavailable

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def broker(url: str, *, eager: bool):
    """Point the Celery app at another broker for the duration (fresh connection pools)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = url, eager
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def _post(api: APIClient, setup, xml: bytes, key: str):  # noqa: F811
    return api.post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=xml,
        content_type="application/xml",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_redis_unreachable_submissions_accepted_then_swept(
    setup,  # noqa: F811
    citizen,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen.user).key}")
    with (
        broker("redis://127.0.0.1:9/0", eager=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        responses = [
            _post(api, setup, citizen.sign(document_for(setup, note=f"n{i}")), f"k{i}")
            for i in range(3)
        ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    # every dispatch ran (the intake's, and the citizen certificate's OCSP pre-signing), failed
    # on the dead broker, and was swallowed: none raised out of the commit
    assert len(callbacks) >= 3
    assert Receipt.objects.filter(kind="UPP").count() == 3
    assert set(Submission.objects.values_list("stage", flat=True)) == {Stage.RECEIVED}
    assert RegisterEntry.objects.count() == 0

    later = timezone.now() + dt.timedelta(minutes=3)
    with broker(celery_app.conf.broker_url, eager=True):
        swept = intake.intake_sweep(now=later)
    assert swept["intake"] == 3
    assert set(Submission.objects.values_list("stage", flat=True)) == {Stage.COMPLETED}
    assert sorted(RegisterEntry.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert Receipt.objects.filter(pdf_rendered_at__isnull=False).count() == 3
    pdf = bytes(Receipt.objects.first().pdf)
    assert pdf.startswith(b"%PDF")


@pytest.fixture
def redis_url():
    from django.conf import settings

    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set", required=REQUIRE_SERVICES)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable: {exc}", required=REQUIRE_SERVICES)
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("a worker process needs a database file or PostgreSQL")
    return settings.REDIS_URL


def start_worker(*, queue: str, redis: str, settings_dir: Path) -> subprocess.Popen:
    from django.conf import settings as live

    (settings_dir / "intake_worker_settings.py").write_text(
        WORKER_SETTINGS + f"\nDOCUMENTS_INTAKE_QUEUE = DOCUMENTS_PDF_QUEUE = {queue!r}\n"
        # the stored documents where this test stores them (directory or bucket prefix)
        f"MEDIA_ROOT = {str(live.MEDIA_ROOT)!r}\n"
        f"STORAGES = {{**STORAGES, 'default': {live.STORAGES['default']!r}}}\n"
    )
    env = os.environ | {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis,
        "DJANGO_SETTINGS_MODULE": "intake_worker_settings",
        "PYTHONPATH": f"{settings_dir}:{ROOT}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    celery = Path(sys.executable).with_name("celery")
    name = f"intake-{uuid.uuid4().hex[:8]}@localhost"
    process = subprocess.Popen(
        [str(celery), "-A", "sekap", "worker", "-Q", queue, "--pool=prefork",
         "--concurrency=2", "--hostname", name, "--loglevel=WARNING",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return process


def wait_for(condition, *, limit: float = 120.0) -> bool:
    stop = time.monotonic() + limit
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_stopped_then_started_processes_each_exactly_once(
    redis_url,
    pki_dir,  # noqa: F811
    settings,
    live_server,
    tmp_path,
):
    settings.CERTAUTH_BASE_URL = live_server.url  # the worker checks revocation over HTTP
    ensure_profiles()
    ca_init()
    seals.forget_cached_seals()
    issuing = CertificateAuthority.objects.get(slug="sekap-issuing")
    queue = f"intake-test-{uuid.uuid4().hex[:8]}"
    settings.DOCUMENTS_INTAKE_QUEUE = settings.DOCUMENTS_PDF_QUEUE = queue
    service_setup = make_service()
    person = make_citizen(issuing, pesel=pesel(51))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person.user).key}")
    count = 8
    for i in range(count):
        xml = person.sign(document_for(service_setup, note=f"w{i}"))
        response = _post(api, service_setup, xml, f"w{i}")
        assert response.status_code == 201, response.content
    # no worker yet: everything is received and receipted, nothing processed
    assert Receipt.objects.filter(kind="UPP").count() == count
    assert set(Submission.objects.values_list("stage", flat=True)) == {Stage.RECEIVED}

    worker = start_worker(queue=queue, redis=redis_url, settings_dir=tmp_path)
    try:
        done = wait_for(
            lambda: (
                Submission.objects.filter(stage=Stage.COMPLETED).count() == count
                and Receipt.objects.filter(pdf_rendered_at__isnull=False).count() == count
            )
        )
        assert done, list(Submission.objects.values_list("stage", "intake_error"))
        # redeliveries (a lost ack, the sweeper) change nothing
        from documents.dispatch import dispatch_intake

        for pk in Submission.objects.values_list("pk", flat=True):
            assert dispatch_intake(pk)
        assert wait_for(lambda: _queue_empty(queue, redis_url), limit=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert sorted(RegisterEntry.objects.values_list("number", flat=True)) == list(
        range(1, count + 1)
    )
    assert Case.objects.count() == count
    assert AuditEntry.objects.filter(action="documents.case_opened").count() == count
    assert set(Submission.objects.values_list("intake_attempts", flat=True)) == {1}
    assert set(Submission.objects.values_list("signature_indication", flat=True)) == {
        "TOTAL_PASSED"
    }


def _queue_empty(queue: str, url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url)
    return client.llen(queue) == 0 and not client.hlen("unacked")
