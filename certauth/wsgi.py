"""A lean WSGI front for the OCSP responder.

OCSP is the hottest public endpoint and needs no session, CSRF, locale, auth or messages, so
``/pki/ocsp`` is answered before Django's middleware stack; everything else goes to Django.
Use ``certauth.wsgi:application`` as the gunicorn entry point, or wrap an existing WSGI app with
:func:`with_ocsp_fast_path`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")

PREFIX = "/pki/ocsp"


def with_ocsp_fast_path(django_app: Callable) -> Callable:
    from urllib.parse import unquote

    from django.db import connections

    from . import ocsp

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return django_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "")
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > ocsp.MAX_REQUEST:
                status, data = 200, ocsp.MALFORMED
                start_response(
                    "200 OK",
                    [("Content-Type", ocsp.CONTENT_TYPE), ("Content-Length", str(len(data)))],
                )
                return [data]
            body = environ["wsgi.input"].read(length)
        # The worker keeps its database connection across requests (no per-request connect);
        # after any failure it is dropped so the next request starts with a fresh one.
        status, data = ocsp.handle(
            method, body, unquote(path[len(PREFIX) :]), environ.get("CONTENT_TYPE", "")
        )
        if data is ocsp.INTERNAL_ERROR:
            connections.close_all()
        if status == 405:
            start_response(
                "405 Method Not Allowed", [("Allow", "GET, POST"), ("Content-Length", "0")]
            )
            return [b""]
        start_response(
            "200 OK", [("Content-Type", ocsp.CONTENT_TYPE), ("Content-Length", str(len(data)))]
        )
        return [data]

    return app


def _build() -> Callable:
    from django.core.wsgi import get_wsgi_application

    return with_ocsp_fast_path(get_wsgi_application())


application = _build()
