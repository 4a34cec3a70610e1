"""Run by the drill once the load has stopped: the intake sweeper, as the beat runs it every
minute, with its clock moved past every lease and backoff (up to an hour), so what production
recovers within minutes is recovered now. Prints the counts as JSON."""

import datetime as dt
import json

import django

django.setup()

from django.utils import timezone  # noqa: E402

from documents.services.intake import intake_sweep  # noqa: E402

print(json.dumps(intake_sweep(now=timezone.now() + dt.timedelta(hours=1, minutes=5))))
