"""The office admin's workflow pages (/backoffice/obiegi/): each service's workflow as a
diagram, an edit form that writes a draft version, and publishing it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offices.models import Service
from offices.selectors import offices_managed_by
from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from ..forms import WorkflowForm
from ..services.workflow import (
    DefinitionInvalid,
    definition_from_text,
    definition_svg,
    definition_to_text,
    version_current,
    version_definition,
    workflow_draft,
    workflow_draft_save,
    workflow_publish,
)


def _services(user):
    return Service.objects.filter(office__in=offices_managed_by(user)).select_related("office")


@staff_required
def workflow_list(request: HttpRequest) -> HttpResponse:
    services = list(_services(request.user).order_by("office__name", "title")[:500])
    if not services and not offices_managed_by(request.user).exists():
        raise Http404
    return render(request, "documents/backoffice_workflows.html", {"services": services})


def _service(request: HttpRequest, pk: int) -> Service:
    service = _services(request.user).filter(pk=pk).first()
    if service is None:
        raise Http404
    return service


def _form_for(definition) -> WorkflowForm:
    return WorkflowForm(
        initial={
            "steps": definition_to_text(definition),
            "stopped": [c for c, s in definition.states.items() if not s.clock and not s.terminal],
            "final": [c for c, s in definition.states.items() if s.terminal],
        }
    )


def _page(request, service: Service, form: WorkflowForm | None = None, status: int = 200):
    current = version_current(service=service)
    draft = workflow_draft(service=service)
    shown = draft or current
    definition = version_definition(shown)
    title = _("Workflow of “%(service)s”, version %(n)s") % {
        "service": service.title,
        "n": shown.number,
    }
    context = {
        "service": service,
        "current": current,
        "draft": draft,
        "shown": shown,
        "definition": definition,
        # built by definition_svg from escaped text only
        "diagram": mark_safe(definition_svg(definition, title=title)),  # noqa: S308
        "form": form or _form_for(definition),
    }
    return render(request, "documents/backoffice_workflow.html", context, status=status)


@staff_required
def workflow_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    if request.method != "POST":
        return _page(request, service)
    form = WorkflowForm(request.POST)
    if form.is_valid():
        try:
            definition = definition_from_text(
                text=form.cleaned_data["steps"],
                stopped=set(form.cleaned_data["stopped"]),
                final=set(form.cleaned_data["final"]),
            )
            workflow_draft_save(service=service, actor=request.user, definition=definition)
        except DefinitionInvalid as exc:
            for error in exc.errors:
                form.add_error("steps", error)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The draft was saved. Publish it to use it."))
            return redirect("documents:backoffice_workflow", pk=service.pk)
    return _page(request, service, form, status=400)


@staff_required
@require_POST
def workflow_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    draft = workflow_draft(service=service)
    if draft is None:
        raise Http404
    try:
        workflow_publish(version=draft, actor=request.user)
        messages.success(request, _("Published: new cases of this service follow it."))
    except (DomainError, DefinitionInvalid) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("documents:backoffice_workflow", pk=service.pk)
