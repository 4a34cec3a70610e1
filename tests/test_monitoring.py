"""/metrics: the token, a stalled intake pipeline, certificate and CRL expiry, per-view requests."""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid

import pytest
from celery import shared_task
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from certauth.services import seals
from certauth.services.crl import crl_publish
from certauth.tsa import respond
from documents.models import Stage, Submission
from documents.services.submissions import INTAKE_GRACE
from documents.tests.fixtures import ca, pki_dir, setup  # noqa: F401
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from sekap.monitoring import events
from signatures import pkix, tsp
from tests.support import REQUIRE_SERVICES, unavailable

TOKEN = "metrics-test-token"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    values = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_metrics_do_not_exist_without_a_token_configured(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_a_scrape_without_the_token(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 403
    assert b"sekap_" not in response.content


def _waiting_submission(setup, *, age: dt.timedelta) -> Submission:  # noqa: F811
    received = timezone.now() - age
    return Submission.objects.create(
        submitter=VerifiedCitizenFactory(),
        office=setup.office,
        service=setup.service,
        form_version=setup.version,
        title="Wniosek",
        channel="api",
        idempotency_key="stalled",
        document=b"<x/>",
        sha256="0" * 64,
        size=4,
        received_at=received,
        intake_due_at=received + INTAKE_GRACE,  # as the filing service sets it
        stage=Stage.RECEIVED,
    )


def test_a_submission_no_worker_picks_up_shows_as_stalled_within_a_minute(
    client,
    token,
    setup,  # noqa: F811
):
    stage = (("stage", "received"),)
    before = scrape(client)
    assert before[("sekap_submissions_waiting", stage)] == 0
    assert before[("sekap_submissions_oldest_waiting_seconds", stage)] == 0

    # Filed 61 s ago and left at "received": what the row looks like when no worker took the
    # intake task (the clock set back instead of waiting). The alert reads the age.
    submission = _waiting_submission(setup, age=dt.timedelta(seconds=61))
    after = scrape(client)
    assert after[("sekap_submissions_waiting", stage)] == 1
    assert after[("sekap_submissions_oldest_waiting_seconds", stage)] >= 61
    # The sweeper's retry time has not come yet: not overdue until the grace has passed.
    assert after[("sekap_submissions_overdue", stage)] == 0
    Submission.objects.filter(pk=submission.pk).update(intake_due_at=timezone.now())
    assert scrape(client)[("sekap_submissions_overdue", stage)] == 1
    assert after[("sekap_submissions_waiting", (("stage", "registered"),))] == 0
    assert after[("sekap_monitoring_source_up", (("source", _PIPELINE),))] == 1


_PIPELINE = "documents.selectors.monitoring.pipeline_samples"


def test_a_completed_submission_is_not_waiting(client, token, setup):  # noqa: F811
    submission = _waiting_submission(setup, age=dt.timedelta(hours=1))
    Submission.objects.filter(pk=submission.pk).update(stage=Stage.COMPLETED)
    values = scrape(client)
    assert all(
        value == 0 for (name, _), value in values.items() if name.startswith("sekap_submissions_")
    )


def test_ca_crl_and_seal_expiry_are_seconds_left(client, token, ca, setup):  # noqa: F811
    full, _delta = crl_publish(ca=ca)
    seals.forget_cached_seals()
    seals.office_seal(terc=setup.office.terc, name=setup.office.name)
    seal = seals.seal_certificate(terc=setup.office.terc)
    now = timezone.now().timestamp()
    values = scrape(client)

    ca_left = values[("sekap_ca_certificate_expiry_seconds", (("ca", ca.slug),))]
    assert ca_left == pytest.approx(ca.not_after.timestamp() - now, abs=30)
    crl_left = values[("sekap_crl_next_update_seconds", (("ca", ca.slug),))]
    assert crl_left == pytest.approx(full.next_update.timestamp() - now, abs=30)
    seal_left = values[
        ("sekap_seal_certificate_expiry_seconds", (("office_terc", setup.office.terc),))
    ]
    assert seal_left == pytest.approx(seal.not_after.timestamp() - now, abs=30)


def test_a_failing_source_is_reported_and_the_rest_still_scraped(client, token, settings, db):
    settings.MONITORING_SOURCES = ["sekap.text.no_such_source", _PIPELINE]
    values = scrape(client)
    assert values[("sekap_monitoring_source_up", (("source", "sekap.text.no_such_source"),))] == 0
    assert values[("sekap_monitoring_source_up", (("source", _PIPELINE),))] == 1


def test_requests_are_counted_per_view(client, token, db):
    client.get("/healthz")
    values = scrape(client)
    counted = [
        value
        for (name, labels), value in values.items()
        if name == "django_http_requests_total_by_view_transport_method_total"
        and ("view", "healthz") in labels
    ]
    assert counted and counted[0] >= 1


def test_celery_queue_depth_is_read_from_redis(client, token, settings, db):
    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set", required=REQUIRE_SERVICES)
    import redis

    from sekap.celery import app

    queue = f"monitoring-test-{uuid.uuid4().hex}"
    settings.MONITORING_CELERY_QUEUES = [queue]
    label = (("queue", queue),)
    assert scrape(client)[("sekap_celery_queue_length", label)] == 0
    try:
        # Messages no worker consumes: one plain, one with a priority (kept in another key).
        app.send_task("sekap.monitoring.nothing", queue=queue)
        app.send_task("sekap.monitoring.nothing", queue=queue, priority=9)
        assert scrape(client)[("sekap_celery_queue_length", label)] == 2
    finally:
        client_ = redis.Redis.from_url(settings.REDIS_URL)
        client_.delete(*client_.keys(f"*{queue}*"))


# --- counted events: task outcomes, revocation fetch failures, the TSA ---------------------


@pytest.fixture
def fresh_events(settings):
    events.reset_for_tests()
    yield
    events.reset_for_tests()


@shared_task(name="tests.monitoring.succeeds")
def _succeeds() -> int:
    return 1


@shared_task(name="tests.monitoring.fails")
def _fails() -> None:
    raise RuntimeError("boom")


def test_task_outcomes_are_counted_per_task_and_outcome(client, token, fresh_events, db):
    _succeeds.apply()
    _succeeds.apply()
    _fails.apply(throw=False)  # the failure stays in the result; the signal fires
    values = scrape(client)
    ok = (("outcome", "success"), ("task", "tests.monitoring.succeeds"))
    failed = (("outcome", "failure"), ("task", "tests.monitoring.fails"))
    assert values[("sekap_celery_task_outcomes_total", ok)] == 2
    assert values[("sekap_celery_task_outcomes_total", failed)] == 1


class _Refusing:
    def get(self, url: str) -> bytes:
        raise pkix.FetchError("connection refused")

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        raise pkix.FetchError("connection refused")


def test_a_crl_that_cannot_be_fetched_is_counted_by_host(client, token, fresh_events, db):
    env = pkix.PkixEnvironment(fetcher=_Refusing())
    data, _origin = pkix._crl_bytes("http://crl.example.test/ca.crl", env, timezone.now())
    assert data is None
    values = scrape(client)
    key = (("host", "crl.example.test"), ("kind", "crl"))
    assert values[("sekap_revocation_fetch_failures_total", key)] == 1


def test_a_tsa_that_does_not_answer_is_counted_and_success_is_marked(
    client,
    token,
    fresh_events,
    ca,  # noqa: F811
):
    with pytest.raises(tsp.TimestampError):
        tsp.request_timestamp(b"data", url="http://tsa.example.test/", fetcher=_Refusing())
    values = scrape(client)
    assert values[("sekap_tsa_failures_total", (("reason", "no_answer"),))] == 1
    assert ("sekap_tsa_last_success_timestamp_seconds", ()) not in values

    class _PlatformTsa:
        def post(self, url: str, body: bytes, content_type: str) -> bytes:
            return respond(body)

    before = time.time()
    tsp.request_timestamp(b"data", url="in-process", fetcher=_PlatformTsa())
    values = scrape(client)
    assert values[("sekap_tsa_last_success_timestamp_seconds", ())] >= before - 1


def test_counting_never_fails_the_caller(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    events._client = None
    try:
        events.count("sekap_tsa_failures", reason="no_answer")  # logged, not raised
        events.mark("sekap_tsa_last_success_timestamp_seconds")
    finally:
        events._client = None


def test_disk_space_of_stored_files_and_backups_is_reported(client, token, settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path / "media"  # not created yet: its parent's disk counts
    settings.BACKUP_DIR = tmp_path / "backups"
    values = scrape(client)
    free = values[("sekap_disk_free_bytes", (("path", "media"),))]
    total = values[("sekap_disk_total_bytes", (("path", "media"),))]
    usage = shutil.disk_usage(tmp_path)
    assert 0 < free <= total == usage.total
    assert ("sekap_disk_free_bytes", (("path", "backups"),)) not in values  # the same disk
