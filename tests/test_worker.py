"""Tasks run by a real Celery worker over Redis (second CI pass)."""

import pytest

from sekap import audit
from sekap.audit.tasks import audit_verify_chain

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_runs_a_task_against_the_test_database(celery_worker_process):
    audit.record(action="test.worker_probe", after={"n": 1})
    result = audit_verify_chain.delay()
    assert result.get(timeout=30) == {"ok": True, "anchors": 0}


def test_health_reports_the_worker(celery_worker_process, client, settings):
    settings.HEALTH_TOKEN = "monitoring-token"
    body = client.get("/healthz/details", HTTP_AUTHORIZATION="Bearer monitoring-token").json()
    assert body["checks"]["worker"]["ok"] is True
