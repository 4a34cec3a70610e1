"""Public pages: the directory of the 54 offices."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .identity import office_identity_current
from .models import Office, OfficeKind
from .selectors import office_services, offices_search


def office_directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    if kind not in OfficeKind.values:
        kind = ""
    page = Paginator(offices_search(q=q, kind=kind), 60).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "kind": kind, "kinds": OfficeKind.choices}
    return render(request, "offices/directory.html", context)


def office_detail(request: HttpRequest, terc: str) -> HttpResponse:
    office = get_object_or_404(Office, terc=terc)
    context = {
        "office": office,
        "identity": office_identity_current(office),
        "services": office_services(office),
    }
    return render(request, "offices/detail.html", context)
