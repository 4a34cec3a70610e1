"""The form designer for CPD administrators (``/backoffice/forms/``): server-rendered, no JS."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sekap.accounts.decorators import staff_required

from . import designer, selectors, services
from .designer_forms import (
    DescriptionForm,
    FieldAddForm,
    FieldEditForm,
    ImportForm,
    PublishForm,
    StepAddForm,
    TemplateCreateForm,
)
from .errors import DefinitionInvalid, FormDataInvalid, FormsError
from .forms import build_step_form
from .models import FormTemplate, FormVersion, VersionStatus
from .permissions import can_manage_forms

DEMO_SENDER = {"kind": "person", "first_name": "Jan", "last_name": "Przykładowy"}
DEMO_ADDRESSEE = {
    "kind": "institution",
    "name": "Urząd (podgląd)",
    "address": {"postal_code": "40-001", "city": "Katowice", "street": "Ligonia", "building": "46"},
}


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_manage_forms(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _version(slug: str, number: int) -> FormVersion:
    return get_object_or_404(
        FormVersion.objects.select_related("template"), template__slug=slug, number=number
    )


def _version_url(version: FormVersion) -> str:
    return reverse("forms_platform:version", args=[version.template.slug, version.number])


@manager_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest) -> HttpResponse:
    create_form = TemplateCreateForm(
        request.POST if request.POST.get("op") == "create" else None, prefix="create"
    )
    import_form = ImportForm(
        request.POST if request.POST.get("op") == "import" else None,
        request.FILES if request.POST.get("op") == "import" else None,
        prefix="import",
    )
    if request.method == "POST":
        try:
            if request.POST.get("op") == "create" and create_form.is_valid():
                template = services.template_create(actor=request.user, **create_form.cleaned_data)
                messages.success(
                    request, _("The template was created. Add steps and fields to its draft.")
                )
                return redirect(_version_url(template.versions.get()))
            if request.POST.get("op") == "import" and import_form.is_valid():
                template = services.template_import(
                    actor=request.user, data=import_form.cleaned_data["archive"].read()
                )
                messages.success(request, _("The template was imported."))
                return redirect("forms_platform:template", slug=template.slug)
        except FormsError as exc:
            form = create_form if request.POST.get("op") == "create" else import_form
            form.add_error(None, f"{exc.message} {getattr(exc, 'detail', '')}".strip())
    templates = FormTemplate.objects.prefetch_related("versions").order_by("name")
    return render(
        request,
        "forms_platform/designer/list.html",
        {"templates": templates, "create_form": create_form, "import_form": import_form},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, slug: str) -> HttpResponse:
    template = get_object_or_404(FormTemplate, slug=slug)
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "new_draft":
                draft = services.draft_create(actor=request.user, template=template)
                return redirect(_version_url(draft))
            if op == "withdraw":
                version = _version(slug, int(request.POST.get("number", "0")))
                services.version_withdraw(actor=request.user, version=version)
                messages.success(request, _("The version was withdrawn."))
        except FormsError as exc:
            messages.error(request, str(exc.message))
        return redirect("forms_platform:template", slug=slug)
    return render(
        request,
        "forms_platform/designer/template.html",
        {
            "template": template,
            "versions": selectors.template_versions(template),
            "current": selectors.current_version(template),
        },
    )


@manager_required
def template_export(request: HttpRequest, slug: str) -> HttpResponse:
    template = get_object_or_404(FormTemplate, slug=slug)
    response = HttpResponse(
        services.template_export(template=template), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{template.slug}.zip"'
    return response


def _field_rows(definition: dict) -> list[dict]:
    """The steps with their fields (and group children) for the editor's tables."""
    steps = []
    for step in definition.get("steps", []):
        fields = []
        for spec in step.get("fields", []):
            fields.append({"spec": spec, "path": spec["name"], "child": False})
            if spec.get("type") == "group":
                fields.extend(
                    {
                        "spec": child,
                        "path": f"{spec['name']}.{child['name']}",
                        "child": True,
                        "group": spec["name"],
                    }
                    for child in spec.get("fields", [])
                )
        steps.append({"step": step, "fields": fields})
    return steps


def _version_context(request: HttpRequest, version: FormVersion, **extra) -> dict:
    steps = version.definition.get("steps", [])
    context = {
        "version": version,
        "template": version.template,
        "steps": _field_rows(version.definition),
        "description_form": DescriptionForm(
            initial=DescriptionForm.initial_from(version.description), prefix="desc"
        ),
        "step_form": StepAddForm(prefix="step"),
        "field_form": FieldAddForm(steps=steps, prefix="field") if steps else None,
        "publish_form": PublishForm(prefix="publish"),
        "problems": None,
    }
    context.update(extra)
    return context


@manager_required
@require_http_methods(["GET", "POST"])
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(slug, number)
    if request.method == "GET":
        return render(
            request, "forms_platform/designer/version.html", _version_context(request, version)
        )
    op = request.POST.get("op", "")
    actor = request.user
    extra: dict = {}
    try:
        if op == "description":
            form = DescriptionForm(request.POST, prefix="desc")
            if not form.is_valid():
                extra["description_form"] = form
            else:
                services.draft_update(actor=actor, version=version, description=form.description())
                messages.success(request, _("The description was saved."))
        elif op == "step_add":
            form = StepAddForm(request.POST, prefix="step")
            if not form.is_valid():
                extra["step_form"] = form
            else:
                services.step_add(actor=actor, version=version, **form.cleaned_data)
                messages.success(request, _("The step was added."))
        elif op in ("step_up", "step_down"):
            services.step_move(
                actor=actor,
                version=version,
                key=request.POST["key"],
                delta=-1 if op == "step_up" else 1,
            )
        elif op == "step_remove":
            services.step_remove(actor=actor, version=version, key=request.POST["key"])
            messages.success(request, _("The step was removed."))
        elif op == "step_title":
            services.step_update(
                actor=actor,
                version=version,
                key=request.POST["key"],
                title=request.POST.get("title", "").strip(),
            )
        elif op == "field_add":
            form = FieldAddForm(
                request.POST, steps=version.definition.get("steps", []), prefix="field"
            )
            if not form.is_valid():
                extra["field_form"] = form
            else:
                services.field_add(
                    actor=actor,
                    version=version,
                    step_key=form.cleaned_data["step"],
                    spec=form.spec(),
                )
                messages.success(request, _("The field was added."))
                return redirect(_field_url(version, form.cleaned_data["name"]))
        elif op in ("field_up", "field_down"):
            services.field_move(
                actor=actor,
                version=version,
                path=request.POST["path"],
                delta=-1 if op == "field_up" else 1,
            )
        elif op == "field_remove":
            services.field_remove(actor=actor, version=version, path=request.POST["path"])
            messages.success(request, _("The field was removed."))
        elif op == "validate":
            problems = services.publication_problems(version)
            extra["problems"] = problems
            if not problems:
                messages.success(request, _("The form is complete and can be published."))
        elif op == "publish":
            form = PublishForm(request.POST, prefix="publish")
            if not form.is_valid():
                extra["publish_form"] = form
            else:
                published = services.version_publish(
                    actor=actor,
                    version=version,
                    valid_from=form.cleaned_data["valid_from"],
                    identifier=form.cleaned_data["identifier"],
                )
                messages.success(
                    request,
                    _("Version %(n)d was published as %(id)s.")
                    % {"n": published.number, "id": published.identifier},
                )
                return redirect("forms_platform:template", slug=slug)
        else:
            messages.error(request, _("Unknown action."))
    except DefinitionInvalid as exc:
        extra["problems"] = exc.problems
    except FormsError as exc:
        messages.error(request, str(exc.message))
    if extra:
        version.refresh_from_db()
        status = 400 if any(key.endswith("_form") for key in extra) else 200
        return render(
            request,
            "forms_platform/designer/version.html",
            _version_context(request, version, **extra),
            status=status,
        )
    return redirect(_version_url(version))


def _field_url(version: FormVersion, path: str) -> str:
    return reverse("forms_platform:field", args=[version.template.slug, version.number, path])


@manager_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, slug: str, number: int, path: str) -> HttpResponse:
    version = _version(slug, number)
    try:
        spec = designer.field_at(version.definition, path)
    except FormsError as exc:
        messages.error(request, str(exc.message))
        return redirect(_version_url(version))
    form = FieldEditForm(request.POST or None, spec=spec, prefix="f")
    add_child = None
    if spec.get("type") == "group":
        add_child = FieldAddForm(
            request.POST if request.POST.get("op") == "child_add" else None,
            steps=[],
            in_group=True,
            prefix="child",
        )
    if request.method == "POST":
        try:
            if request.POST.get("op") == "child_add" and add_child is not None:
                form = FieldEditForm(spec=spec, prefix="f")
                if add_child.is_valid():
                    services.field_add(
                        actor=request.user,
                        version=version,
                        step_key="",
                        spec=add_child.spec(),
                        group=path,
                    )
                    messages.success(request, _("The field was added to the group."))
                    return redirect(_field_url(version, f"{path}.{add_child.cleaned_data['name']}"))
            elif form.is_valid():
                new_spec = form.new_spec()
                services.field_update(actor=request.user, version=version, path=path, spec=new_spec)
                messages.success(request, _("The field was saved."))
                return redirect(_version_url(version))
        except FormsError as exc:
            form.add_error(None, str(exc.message))
    return render(
        request,
        "forms_platform/designer/field.html",
        {
            "version": version,
            "template": version.template,
            "spec": spec,
            "path": path,
            "form": form,
            "add_child": add_child,
        },
        status=400 if request.method == "POST" else 200,
    )


@manager_required
@require_http_methods(["GET", "POST"])
def version_preview(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The form exactly as citizens see it; submitting shows errors or the rendered document."""
    version = _version(slug, number)
    reshaping = "_add" in request.POST or "_remove" in request.POST  # a row added or removed
    submitted = request.method == "POST" and not reshaping
    form = build_step_form(
        version.definition,
        data=request.POST if request.method == "POST" else None,
        files=request.FILES if request.method == "POST" else None,
        validate=not reshaping,
    )
    document_html = None
    if submitted and form.is_valid():
        try:
            xml = selectors.build_document(
                version=version, data=form.form_data, sender=DEMO_SENDER, addressee=DEMO_ADDRESSEE
            )
            document_html = selectors.render_html(xml, fragment=True, version=version)
        except FormDataInvalid as exc:  # pragma: no cover - the form validated the same data
            messages.error(request, str(exc.message))
    return render(
        request,
        "forms_platform/designer/preview.html",
        {
            "version": version,
            "template": version.template,
            "form": form,
            "document_html": document_html,
        },
    )


@manager_required
@require_POST
def version_withdraw(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(slug, number)
    if version.status == VersionStatus.PUBLISHED:
        services.version_withdraw(actor=request.user, version=version)
    return redirect("forms_platform:template", slug=slug)
