"""The project's WSGI application with its URLs (and so its views) imported before gunicorn
forks its workers (``--preload``): no worker then spends its first request importing them,
which on a loaded machine outlasts gunicorn's timeout.

With ``BENCH_CPU_HEADER=1`` each answer carries ``X-Bench-CPU-ms``: the CPU time the worker
process spent on that request (a sync worker serves one request at a time), a figure that does
not depend on how loaded the machine is."""

import os
import time

from django.db import connections
from django.urls import get_resolver

from sekap.wsgi import application as _application

get_resolver().url_patterns  # noqa: B018 (imports every urls module and view)
connections.close_all()  # nothing opened before the fork is shared by the workers


def _with_cpu_header(environ, start_response):
    cpu = time.process_time()

    def timed_start_response(status, headers, exc_info=None):
        spent = (time.process_time() - cpu) * 1000
        return start_response(status, [*headers, ("X-Bench-CPU-ms", f"{spent:.2f}")], exc_info)

    return _application(environ, timed_start_response)


application = _with_cpu_header if os.environ.get("BENCH_CPU_HEADER") == "1" else _application

__all__ = ["application"]
