"""The office admin edits a service's workflow: a draft version (checked on every save), then
published; published versions never change and running cases keep theirs."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import Service
from offices.selectors import user_manages_office
from sekap import audit
from sekap.errors import NotAllowed

from ...errors import CaseActionRefused
from ...models import Workflow, WorkflowVersion
from .definition import Definition, definition_parse


def _check(*, actor, service: Service) -> None:
    if not user_manages_office(actor, service.office):
        raise NotAllowed()


@transaction.atomic
def workflow_draft_save(*, service: Service, actor, definition: Definition) -> WorkflowVersion:
    """Write the service's draft workflow version (making the service's own workflow if it
    follows the default so far)."""
    _check(actor=actor, service=service)
    workflow, created = Workflow.objects.select_for_update().get_or_create(
        service=service, defaults={"office": service.office, "name": service.title[:200]}
    )
    draft = workflow.versions.filter(status=WorkflowVersion.Status.DRAFT).first()
    if draft is None:
        last = workflow.versions.aggregate(n=Max("number"))["n"] or 0
        draft = WorkflowVersion(
            workflow=workflow, number=last + 1, created_at=timezone.now(), created_by=actor
        )
    draft.definition = definition.as_data()
    draft.save()
    audit.record(
        actor=actor,
        action="documents.workflow_draft_saved",
        target=draft,
        after={"service": service.pk, "number": draft.number, "new_workflow": created},
    )
    return draft


@transaction.atomic
def workflow_publish(*, version: WorkflowVersion, actor) -> WorkflowVersion:
    """Publish a draft: new cases of the service follow it from now on."""
    version = (
        WorkflowVersion.objects.select_for_update(of=("self",))
        .select_related("workflow__service__office")
        .get(pk=version.pk)
    )
    service = version.workflow.service
    if service is None:
        raise NotAllowed()  # the platform default changes only by a migration
    _check(actor=actor, service=service)
    if version.status != WorkflowVersion.Status.DRAFT:
        raise CaseActionRefused(_("This version is published already."))
    definition_parse(version.definition)  # still valid
    version.status = WorkflowVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor,
        action="documents.workflow_published",
        target=version,
        after={"service": service.pk, "number": version.number},
    )
    return version


def workflow_draft(*, service: Service) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(
        workflow__service=service, status=WorkflowVersion.Status.DRAFT
    ).first()
