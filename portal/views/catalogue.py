"""The service catalogue of all offices and each service's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents.models import APPEAL_FORM
from forms_platform import selectors as forms
from forms_platform.definition import text_of
from offices.models import Office, Service
from offices.selectors import search_hints, services_grouped, services_search
from sekap.accounts.selectors import companies_represented_by
from sekap.errors import DomainError

from ..services import drafts as services


def _choices(field: str) -> list[str]:
    services = Service.objects.filter(is_active=True).exclude(**{field: ""})
    return list(services.order_by(field).values_list(field, flat=True).distinct())


def catalogue(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    office = request.GET.get("urzad", "").strip()[:7]
    category = request.GET.get("kategoria", "").strip()[:120]
    life_event = request.GET.get("zdarzenie", "").strip()[:120]
    results = services_search(office_terc=office, q=q, category=category, life_event=life_event)
    groups = services_grouped(results, language=get_language() or "pl")
    page = Paginator(groups, 25).get_page(request.GET.get("strona"))
    params = request.GET.copy()
    params.pop("strona", None)
    context = {
        "q": q,
        "office": office,
        "category": category,
        "life_event": life_event,
        "offices": Office.objects.order_by("name").only("terc", "name"),
        "categories": _choices("category"),
        "life_events": _choices("life_event"),
        "page": page,
        "service_count": sum(len(group.services) for group in groups),
        "hints": search_hints(q, language=get_language() or "pl"),
        "query": params.urlencode(),
        "searched": bool(request.GET),
    }
    return render(request, "portal/catalogue/list.html", context)


def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(
        Service.objects.select_related("office", "department", "form_template"),
        pk=pk,
        is_active=True,
    )
    version = forms.current_version(service.form_template)
    description = version.description if version else {}
    attachments = [text_of(item) for item in description.get("required_attachments", [])]
    context = {
        "service": service,
        "version": version,
        "summary": text_of(description.get("summary")),
        "legal_basis": text_of(description.get("legal_basis")),
        "who_may_file": text_of(description.get("who_may_file")),
        "required_attachments": attachments,
        "steps": [
            text_of(step.get("title"))
            for step in (version.definition.get("steps", []) if version else [])
        ],
        "companies": companies_represented_by(request.user),
        "signature_required": forms.signature_required(version) if version else True,
    }
    return render(request, "portal/catalogue/detail.html", context)


@login_required
@require_POST
def service_start(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk, is_active=True)
    if service.form_template.slug == APPEAL_FORM:  # an appeal is filed in its case
        messages.info(request, _("An appeal is filed from the page of its case."))
        return redirect("portal_cases")
    company = None
    company_id = request.POST.get("company", "")
    if company_id:
        company = get_object_or_404(companies_represented_by(request.user), pk=company_id)
    try:
        draft = services.draft_start(user=request.user, service=service, company=company)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_service", pk=service.pk)
    return redirect("portal_draft_step", pk=draft.pk, step=draft.steps[0]["key"])
