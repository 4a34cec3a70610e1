"""The deployment's WSGI entry point (``certauth.wsgi``: the OCSP fast path in front of the
project), with the views imported before gunicorn forks (``--preload``), as
bench/bench_wsgi.py does."""

from django.db import connections
from django.urls import get_resolver

from certauth.wsgi import application

get_resolver().url_patterns  # noqa: B018 (imports every urls module and view)
connections.close_all()  # nothing opened before the fork is shared by the workers

__all__ = ["application"]
