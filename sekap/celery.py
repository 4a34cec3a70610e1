"""The Celery application. Eager (in-process) unless REDIS_URL is set."""

import os

from celery import Celery

from sekap import logs
from sekap.monitoring import task_outcomes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")

app = Celery("sekap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logs.connect_celery()
task_outcomes.connect()
