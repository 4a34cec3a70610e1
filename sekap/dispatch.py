"""The project's one way to put a Celery task on the queue from a service: it never raises.

Services call :func:`dispatch_task` (usually from ``transaction.on_commit``, through
:func:`dispatch_on_commit`). When the broker is down, or an eager run fails, it logs and returns
``False``: the work stays due in the database and the app's beat sweeper dispatches it later,
so a request or a commit is never failed, nor held up, by a broker outage. Tasks are found by
name, so services need not import the ``tasks`` module that sits above them.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import cached_property

from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu import pools
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)

_pools: dict[str, object] = {}
REPR_MAX = 1024  # Celery's own limit for argsrepr and kwargsrepr


class _PublishChannel(kombu_redis.Channel):
    """kombu's Redis channel, publishing through one ``redis.Redis`` client kept per channel
    (over the channel's connection pool) instead of building one per message: its
    constructor copies ~170 response callbacks, ~0.5 ms of a submit request's CPU."""

    @cached_property
    def _publish_client(self):
        return self._create_client()

    @contextmanager
    def conn_or_acquire(self, client=None):
        yield client or self._publish_client


class _PublishTransport(kombu_redis.Transport):
    Channel = _PublishChannel


def _publish_pool(app):
    """Connections that fail at once when the broker is down (no connection retries)."""
    url = str(app.conf.broker_url)
    pool = _pools.get(url)
    if pool is None:
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        # a plain redis:// broker publishes through the channel above (these connections
        # only publish); any other broker through its own transport
        scheme = url.partition("://")[0]
        transport = _PublishTransport if scheme in ("redis", "rediss") else None
        connection = app.connection_for_write(transport=transport, transport_options=options)
        pool = pools.connections[connection]
        _pools[url] = pool
    return pool


def task_named(name: str):
    """The registered task ``name``. Celery's autodiscovery of the apps' ``tasks`` modules is
    lazy (the worker runs it at start); a web process runs it here on the first miss, so a
    service may dispatch a task whose module nothing in the process imported yet."""
    app = current_app._get_current_object()
    try:
        return app.tasks[name]
    except KeyError:
        app.loader.import_default_modules()
        return app.tasks[name]


def dispatch_task(*, task_name: str, queue_setting: str = "", **kwargs) -> bool:
    """Send the registered task ``task_name`` with ``kwargs``; ``False`` when it could not be
    sent (the caller's sweeper retries). ``queue_setting`` names a setting holding the queue."""
    # the reprs the worker logs, made here: Celery's saferepr of the same walks them in Python
    # (~0.1 ms a message); our kwargs are ids and short lists of ids
    options: dict = {
        "retry": False,
        "ignore_result": True,
        "argsrepr": "()",
        "kwargsrepr": repr(kwargs)[:REPR_MAX],
    }
    queue = getattr(settings, queue_setting, "") if queue_setting else ""
    if queue:
        options["queue"] = queue
    try:
        task = task_named(task_name)
        if task.app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs, **options)
        else:
            with _publish_pool(task.app).acquire(block=True, timeout=5) as connection:
                task.apply_async(kwargs=kwargs, connection=connection, **options)
    except Exception as exc:  # the broker is down, or an eager run failed: the sweeper retries
        logger.warning(
            "could not dispatch %s %s (%r); the sweeper will retry", task_name, kwargs, exc
        )
        return False
    return True


def dispatch_on_commit(*, task_name: str, queue_setting: str = "", **kwargs) -> None:
    """:func:`dispatch_task` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(
        lambda: dispatch_task(task_name=task_name, queue_setting=queue_setting, **kwargs)
    )
