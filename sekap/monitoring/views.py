"""``GET /metrics``: the exporter's metrics and SEKAP's gauges, for the ``METRICS_TOKEN``."""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from sekap.health import bearer_token_ok

from .collectors import SekapCollector


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not bearer_token_ok(request, setting="METRICS_TOKEN"):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    exporter = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn workers: sum their counters
        exporter = CollectorRegistry()
        multiprocess.MultiProcessCollector(exporter)
    own = CollectorRegistry(auto_describe=False)
    own.register(SekapCollector())
    body = generate_latest(exporter) + generate_latest(own)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
