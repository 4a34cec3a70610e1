"""The project's one way to put a Celery task on the queue from a service: it never raises.

Services call :func:`dispatch_task` (usually from ``transaction.on_commit``, through
:func:`dispatch_on_commit`). When the broker is down, or an eager run fails, it logs and returns
``False``: the work stays due in the database and the app's beat sweeper dispatches it later,
so a request or a commit is never failed, nor held up, by a broker outage. Tasks are found by
name, so services need not import the ``tasks`` module that sits above them.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu import pools

logger = logging.getLogger(__name__)

_pools: dict[str, object] = {}


def _publish_pool(app):
    """Connections that fail at once when the broker is down (no connection retries)."""
    url = str(app.conf.broker_url)
    pool = _pools.get(url)
    if pool is None:
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        pool = pools.connections[app.connection_for_write(transport_options=options)]
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
    options: dict = {"retry": False, "ignore_result": True}
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
