"""Reports for the office's staff (/backoffice/raporty/) with charts drawn on the server (SVG,
no JavaScript) and CSV export, and the public transparency page of an office."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from offices.models import Office
from offices.selectors import office_by_terc
from sekap.accounts.decorators import staff_required

from ..selectors.reports import office_report, office_transparency
from ..selectors.visibility import case_scope

BAR_HEIGHT = 22
CHART_WIDTH = 640
LABEL_WIDTH = 260


def _bars(rows: list[tuple[str, int]], *, late: bool = False) -> dict:
    """A horizontal bar chart's geometry: one bar per (label, value), scaled to the widest."""
    top = max((v for _label, v in rows), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 60
    return {
        "width": CHART_WIDTH,
        "height": BAR_HEIGHT * len(rows) + 10,
        "late": late,
        "bars": [
            {
                "label": label[:40],
                "value": value,
                "y": 5 + i * BAR_HEIGHT,
                "text_y": 5 + i * BAR_HEIGHT + 15,
                "x": LABEL_WIDTH,
                "w": max(1, round(span * value / top)) if value else 0,
                "value_x": LABEL_WIDTH + (round(span * value / top) if value else 0) + 6,
            }
            for i, (label, value) in enumerate(rows)
        ],
    }


@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    scope = case_scope(staff=request.user)
    offices = list(Office.objects.filter(pk__in=scope.offices).order_by("name"))
    wanted = request.GET.get("office") or (offices[0].pk if offices else "")
    office = next((o for o in offices if str(o.pk) == str(wanted)), None)
    if office is None:
        raise Http404
    report = office_report(staff=request.user, office_id=office.pk)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="raport-{office.terc}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                _("Department"),
                _("Still open"),
                _("Overdue"),
                _("Due within 7 days"),
                _("Median days"),
            ]
        )
        for row in report.departments:
            writer.writerow(
                [row.symbol, row.open, row.overdue, row.due_soon, row.median_days or ""]
            )
        return response
    return render(
        request,
        "documents/staff/reports.html",
        {
            "office": office,
            "offices": offices,
            "report": report,
            "open_chart": _bars([(r.symbol, r.open) for r in report.departments]),
            "overdue_chart": _bars([(r.symbol, r.overdue) for r in report.departments], late=True),
            "service_chart": _bars([(s.title, s.count) for s in report.services]),
        },
    )


def transparency(request: HttpRequest, terc: str) -> HttpResponse:
    """Public: how the office handles cases (no personal data)."""
    office = office_by_terc(terc)
    if office is None:
        raise Http404
    figures = office_transparency(office_id=office.pk)
    return render(request, "documents/transparency.html", {"office": office, "figures": figures})
