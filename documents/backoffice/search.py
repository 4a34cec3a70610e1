"""Case search (/backoffice/sprawy/szukaj/): signs, titles, parties, documents' text."""

from __future__ import annotations

from html import escape

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from offices.models import Department, Office
from sekap.accounts.decorators import staff_required
from sekap.datetimes import polish_datetime

from .. import selectors
from ..models import CaseStatus
from ..selectors.search import SearchRow, cases_search
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


def result_rows(*, rows: list[SearchRow], case_url: str) -> SafeString:
    """The results' rows, every value escaped by ``html.escape``
    (what Django's ``escape`` calls; the case's number is an int), as a work list's rows:
    ``format_html_join`` spent most of its time in the lazy-string checks of
    ``conditional_escape`` (350 calls a page)."""
    url = escape(case_url)
    statuses: dict[str, str] = {}
    html = []
    for row in rows:
        name = statuses.get(row.status)
        if name is None:
            name = statuses[row.status] = escape(status_name(row.status))
        html.append(
            f'<tr><td><a href="{url}{int(row.pk)}/">{escape(row.sign)}</a></td>'
            f"<td>{escape(row.title)}</td><td>{escape(row.office_name)}</td><td>{name}</td>"
            f"<td>{polish_datetime(row.opened_at)}</td></tr>"
        )
    return SafeString("\n".join(html))


_STATUSES: dict[str, tuple[tuple[str, str], ...]] = {}


def _filter_options(form: SearchForm) -> dict[str, SafeString]:
    """The selects' options, the submitted value marked (``options``, as on a work list: the
    form's widgets render a template per option). The offices and the departments come from
    one query of the departments with their office's name (in the order of the office's name)."""
    any_ = gettext("Any")
    language = get_language() or ""
    statuses = _STATUSES.get(language)
    if statuses is None:
        statuses = _STATUSES[language] = tuple((v, str(label)) for v, label in CaseStatus.choices)
    departments = list(
        form.fields["department"].queryset.values_list(
            "pk", "symbol", "name", "office_id", "office__name"
        )
    )
    offices = {str(office): name for _pk, _symbol, _name, office, name in departments}

    def choices(name: str, labels) -> SafeString:
        selected = form[name].value()
        selected = "" if selected is None else str(selected)
        return options([("", any_), *labels], selected)

    return {
        "office": choices("office", offices.items()),
        "department": choices(
            "department",
            ((str(pk), f"{symbol} – {name}") for pk, symbol, name, _o, _n in departments),
        ),
        "status": choices("status", statuses),
    }


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    departments = selectors.departments_for_filter(staff=request.user)
    form = SearchForm(request.GET or None, departments=departments)
    cases = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        cases = cases_search(
            staff=request.user,
            q=data["q"],
            office_id=data["office"].pk if data["office"] else None,
            department_id=data["department"].pk if data["department"] else None,
            status=data["status"],
            opened_from=data["opened_from"],
            opened_to=data["opened_to"],
            limit=RESULTS,
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
            "rows": result_rows(rows=cases, case_url=case_url_prefix()) if cases else "",
            "limit": RESULTS,
        },
        status=400 if invalid else 200,
    )
