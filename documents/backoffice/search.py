"""Case search (/backoffice/sprawy/szukaj/): signs, titles, parties, documents' text."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from offices.models import Department, Office
from sekap.accounts.decorators import staff_required

from .. import selectors
from ..models import CaseStatus
from ..selectors.search import cases_search
from .cases import case_url_prefix

RESULTS = 50


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=200)
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *CaseStatus.choices], required=False
    )
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(
        label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["office"].queryset = Office.objects.filter(
            pk__in=departments.values("office_id")
        ).order_by("name")


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    departments = selectors.departments_for_filter(staff=request.user)
    form = SearchForm(request.GET or None, departments=departments)
    cases = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        cases = list(
            cases_search(
                staff=request.user,
                q=data["q"],
                office_id=data["office"].pk if data["office"] else None,
                department_id=data["department"].pk if data["department"] else None,
                status=data["status"],
                opened_from=data["opened_from"],
                opened_to=data["opened_to"],
            )[:RESULTS]
        )
    return render(
        request,
        "documents/staff/search.html",
        {"form": form, "cases": cases, "limit": RESULTS, "case_url": case_url_prefix()},
        status=400 if request.GET and not form.is_valid() else 200,
    )
