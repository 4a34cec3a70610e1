"""Case search (/backoffice/sprawy/szukaj/): signs, titles, parties, documents' text."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from offices.models import Department, Office
from sekap.accounts.decorators import staff_required
from sekap.datetimes import polish_datetime

from .. import selectors
from ..models import CaseStatus
from ..selectors.search import cases_search
from ..selectors.worklists import status_name
from .cases import case_url_prefix, options

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


_ROW = '<tr><td><a href="{}{}/">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'


def result_rows(*, cases, case_url: str) -> SafeString:
    """The results' rows (sign with its link, title, office, status, opening), escaped by
    ``format_html`` as a work list's: a template tag or filter per cell of 50 rows cost more
    CPU than the search's query."""
    return format_html_join(
        "\n",
        _ROW,
        (
            (
                case_url,
                case.pk,
                case.sign,
                case.title,
                case.office.name,
                status_name(case.status),
                polish_datetime(case.opened_at),
            )
            for case in cases
        ),
    )


def _filter_options(form: SearchForm) -> dict[str, SafeString]:
    """The selects' options, the submitted value marked (``options``, as on a work list: the
    form's widgets render a template per option)."""
    any_ = gettext("Any")

    def choices(name: str, labels) -> SafeString:
        selected = form[name].value()
        selected = "" if selected is None else str(selected)
        return options([("", any_), *labels], selected)

    return {
        "office": choices("office", ((str(o.pk), o.name) for o in form.fields["office"].queryset)),
        "department": choices(
            "department",
            ((str(d.pk), f"{d.symbol} – {d.name}") for d in form.fields["department"].queryset),
        ),
        "status": choices("status", CaseStatus.choices),
    }


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
    invalid = bool(request.GET) and not form.is_valid()
    return render(
        request,
        "documents/staff/search.html",
        {
            "form": form,
            # a form with errors is shown by the shared form templates (summary, messages
            # beside the fields); a valid or empty one by the page's own markup
            "filters": None if invalid else _filter_options(form),
            "cases": cases,
            "rows": result_rows(cases=cases, case_url=case_url_prefix()) if cases else "",
            "limit": RESULTS,
        },
        status=400 if invalid else 200,
    )
