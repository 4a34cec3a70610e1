"""/metrics reports the document storage's objects and bytes (measured by a beat job)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from sekap.operations.tasks import storage_usage_measure
from sekap.storage import USAGE_CACHE_KEY, document_put, document_storage

TOKEN = "storage-metrics-token"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.METRICS_TOKEN = TOKEN
    cache.delete(USAGE_CACHE_KEY)
    yield
    cache.delete(USAGE_CACHE_KEY)


@pytest.mark.django_db
def test_objects_and_bytes_as_measured_by_the_beat_job(client):
    document_put(data=b"<Dokument>1</Dokument>", kind="letters")
    document_put(data=b"%PDF-1.7 skan", kind="scans")
    document_put(data=b"%PDF-1.7 skan", kind="scans")  # the same bytes: one object
    assert storage_usage_measure() == 2
    values = scrape(client)
    assert values[("sekap_object_storage_objects", ())] == 2
    assert values[("sekap_object_storage_bytes", ())] == len(b"<Dokument>1</Dokument>") + len(
        b"%PDF-1.7 skan"
    )
    assert values[("sekap_object_storage_measured_timestamp_seconds", ())] > 0
    source = (("source", "sekap.monitoring.storage.storage_samples"),)
    assert values[("sekap_monitoring_source_up", source)] == 1
    free = values[("sekap_disk_free_bytes", (("path", "media"),))]
    assert 0 < free <= values[("sekap_disk_total_bytes", (("path", "media"),))]

    document_put(data=b"<Dokument>2</Dokument>", kind="letters")
    assert scrape(client)[("sekap_object_storage_objects", ())] == 2  # until measured again
    storage_usage_measure()
    assert scrape(client)[("sekap_object_storage_objects", ())] == 3


@pytest.mark.django_db
def test_a_bucket_is_never_listed_at_scrape_time(client):
    document_put(data=b"<Dokument>3</Dokument>", kind="letters")
    values = scrape(client)
    if getattr(document_storage(), "bucket", None) is not None:
        assert ("sekap_object_storage_objects", ()) not in values  # the beat job measures
    else:  # a directory is walked at the first scrape
        assert values[("sekap_object_storage_objects", ())] == 1
