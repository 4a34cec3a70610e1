"""Which workflow version a case follows: the service's own published workflow, else the
platform default. A case pins the version it started with."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from offices.models import Service

from ...models import Workflow, WorkflowVersion
from .definition import Definition, definition_parse

DEFAULT_NAME = "default"


def version_current(*, service: Service) -> WorkflowVersion:
    """The newest published version of the service's workflow, or of the default."""
    version = (
        WorkflowVersion.objects.filter(status=WorkflowVersion.Status.PUBLISHED)
        .filter(
            Q(workflow__service=service)
            | Q(
                workflow__service__isnull=True,
                workflow__office__isnull=True,
                workflow__name=DEFAULT_NAME,
            )
        )
        .select_related("workflow")
        .order_by(F("workflow__service").asc(nulls_last=True), "-number")  # the service's own first
        .first()
    )
    return version or default_ensure()


DEFAULT_V1 = Path(__file__).resolve().parents[2] / "data" / "workflow_default_v1.json"


@transaction.atomic
def default_ensure() -> WorkflowVersion:
    """The platform default, version 1 (seeded by migration 0015; made again here when a test
    flush or a bare database removed it). The file is frozen: a new default is a new file."""
    workflow, _created = Workflow.objects.get_or_create(
        name=DEFAULT_NAME, office=None, service=None
    )
    now = timezone.now()
    version, _created = WorkflowVersion.objects.get_or_create(
        workflow=workflow,
        number=1,
        defaults={
            "status": WorkflowVersion.Status.PUBLISHED,
            "definition": json.loads(DEFAULT_V1.read_text(encoding="utf-8")),
            "created_at": now,
            "published_at": now,
        },
    )
    return version


def version_definition(version: WorkflowVersion) -> Definition:
    return definition_parse(version.definition)
