"""The platform's default workflow, version 1 (frozen in documents/data/workflow_default_v1.json: a later
default is a new version file and migration, never an edit), pinned by every existing case."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DEFINITION = Path(__file__).resolve().parents[1] / "data" / "workflow_default_v1.json"


def seed(apps, schema_editor):
    Workflow = apps.get_model("documents", "Workflow")
    WorkflowVersion = apps.get_model("documents", "WorkflowVersion")
    Case = apps.get_model("documents", "Case")
    now = timezone.now()
    workflow, _ = Workflow.objects.get_or_create(
        name="default", office=None, service=None
    )
    version, _ = WorkflowVersion.objects.get_or_create(
        workflow=workflow,
        number=1,
        defaults={
            "status": "published",
            "definition": json.loads(DEFINITION.read_text(encoding="utf-8")),
            "created_at": now,
            "published_at": now,
        },
    )
    Case.objects.filter(workflow_version__isnull=True).update(workflow_version=version)


class Migration(migrations.Migration):
    dependencies = [("documents", "0014_workflows_decisions_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
