"""Prometheus metrics: ``GET /metrics`` behind ``METRICS_TOKEN`` (docs/operations.md).

Requests, errors and latency per view come from django-prometheus' middleware. The gauges of
``collectors`` are computed at each scrape by cheap queries; data of the apps above ``sekap`` comes
through the callables named in ``settings.MONITORING_SOURCES`` (each returns ``Sample`` rows).
"""
