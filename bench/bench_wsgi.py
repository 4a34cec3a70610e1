"""The project's WSGI application with its URLs (and so its views) imported before gunicorn
forks its workers (``--preload``): no worker then spends its first request importing them,
which on a loaded machine outlasts gunicorn's timeout."""

from django.db import connections
from django.urls import get_resolver

from sekap.wsgi import application

get_resolver().url_patterns  # noqa: B018 (imports every urls module and view)
connections.close_all()  # nothing opened before the fork is shared by the workers

__all__ = ["application"]
