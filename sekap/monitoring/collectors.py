"""Gauges computed at scrape time: the sources named in settings, Celery's queue, backups."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from sekap.operations.backups import backup_dir, backups

from .samples import Sample

logger = logging.getLogger(__name__)

# Kombu's Redis transport keeps a queue's messages of priority > 0 in keys with this suffix.
_PRIORITY_SEPARATOR = "\x06\x16"


def celery_queue_samples() -> list[Sample]:
    """Messages waiting in each Celery queue (Redis ``LLEN``); nothing without ``REDIS_URL``."""
    if not settings.REDIS_URL:
        return []
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    queues = getattr(settings, "MONITORING_CELERY_QUEUES", ["celery"])
    samples = []
    for queue in queues:
        keys = [queue] + [f"{queue}{_PRIORITY_SEPARATOR}{p}" for p in (3, 6, 9)]
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.llen(key)
            depth = sum(pipe.execute())
        samples.append(
            Sample(
                "sekap_celery_queue_length",
                "Messages waiting in a Celery queue.",
                depth,
                {"queue": queue},
            )
        )
    return samples


def backup_samples() -> list[Sample]:
    """When the newest backup was written (``manage.py backup``); absent when there is none."""
    found = backups()
    if not found:
        return []
    manifest = found[-1] / "manifest.json"
    if not manifest.is_file():
        return []
    return [
        Sample(
            "sekap_backup_last_timestamp_seconds",
            "Unix time of the newest backup's manifest.",
            manifest.stat().st_mtime,
        )
    ]


def disk_samples() -> list[Sample]:
    """Free and total bytes of the file systems holding stored files and backups."""
    samples = []
    seen: set[int] = set()
    for label, path in (("media", settings.MEDIA_ROOT), ("backups", backup_dir())):
        path = Path(path)
        while not path.exists() and path != path.parent:  # not created yet: its parent's disk
            path = path.parent
        device = path.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        usage = shutil.disk_usage(path)
        for metric, help_text, value in (
            ("sekap_disk_free_bytes", "Free bytes on the file system.", usage.free),
            ("sekap_disk_total_bytes", "Size of the file system in bytes.", usage.total),
        ):
            samples.append(Sample(metric, help_text, value, {"path": label}))
    return samples


def _sources() -> list[str]:
    return [
        "sekap.monitoring.collectors.celery_queue_samples",
        "sekap.monitoring.collectors.backup_samples",
        "sekap.monitoring.collectors.disk_samples",
        "sekap.monitoring.events.event_samples",
        *getattr(settings, "MONITORING_SOURCES", []),
    ]


class SekapCollector(Collector):
    """One metric family per metric name; a broken source: ``sekap_monitoring_source_up`` 0."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        up = GaugeMetricFamily(
            "sekap_monitoring_source_up",
            "1 when the monitoring source answered in this scrape, 0 when it failed.",
            labels=["source"],
        )
        seconds = GaugeMetricFamily(
            "sekap_monitoring_source_seconds",
            "How long the monitoring source took in this scrape.",
            labels=["source"],
        )
        for dotted in _sources():
            started = time.perf_counter()
            try:
                samples: Iterable[Sample] = list(import_string(dotted)())
            except Exception:  # a scrape reports a broken source, it does not fail whole
                logger.exception("monitoring source %s failed", dotted)
                up.add_metric([dotted], 0)
                continue
            up.add_metric([dotted], 1)
            seconds.add_metric([dotted], time.perf_counter() - started)
            for sample in samples:
                family = families.get(sample.metric)
                if family is None:
                    kind = CounterMetricFamily if sample.kind == "counter" else GaugeMetricFamily
                    family = kind(sample.metric, sample.help, labels=sorted(sample.labels))
                    families[sample.metric] = family
                family.add_metric([sample.labels[k] for k in sorted(sample.labels)], sample.value)
        yield from families.values()
        yield up
        yield seconds
