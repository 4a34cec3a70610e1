"""Back office: the offices' configuration problems, each with a link to where it is fixed.

CPD administrators see every office (the overview) and any office's page; an office's
administrators their own offices.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from offices.models import Office
from offices.selectors import is_cpd_admin, office_by_terc, offices_managed_by, user_manages_office
from sekap.accounts.decorators import staff_required

from ..selectors.office_problems import office_problems


@staff_required
def problems_overview(request: HttpRequest) -> HttpResponse:
    offices = list(
        (Office.objects.all() if is_cpd_admin(request.user) else offices_managed_by(request.user))
        .only("pk", "terc", "name")
        .order_by("name")
    )
    if not offices:
        raise PermissionDenied
    rows = office_problems(offices=offices)
    return render(
        request,
        "documents/backoffice_office_problems.html",
        {
            "rows": [row for row in rows if row.problems],
            "clean": len([row for row in rows if not row.problems]),
            "single": None,
        },
    )


@staff_required
def office_problems_page(request: HttpRequest, terc: str) -> HttpResponse:
    office = office_by_terc(terc)
    if office is None:
        raise Http404
    if not (is_cpd_admin(request.user) or user_manages_office(request.user, office)):
        raise PermissionDenied
    rows = office_problems(offices=[office])
    return render(
        request,
        "documents/backoffice_office_problems.html",
        {"rows": rows, "clean": 0, "single": office},
    )
