"""Back office: the office's register of correspondence (RPW) for its registry clerks.

``/backoffice/rejestr/<terc>/``: the register of a period (printable page and CSV); the paper
desk (register a letter, its label, open or join a case); scans and the unmatched list.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offices.selectors import departments_of
from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from ..forms_register import (
    CaseJoinForm,
    CaseOpenForm,
    PaperItemForm,
    PeriodForm,
    ScanAssignForm,
    ScanForm,
)
from ..labels import LAYOUTS, label_pdf
from ..selectors import register as selectors
from ..services import register as services
from ..services.register import CorrespondentDetails

NO_DATA = "brak danych"


def _office(request: HttpRequest, terc: str):
    office = selectors.register_office(user=request.user, terc=terc)
    if office is None:
        raise Http404
    return office


@staff_required
def register_home(request: HttpRequest) -> HttpResponse:
    offices = list(selectors.register_offices(user=request.user))
    if len(offices) == 1:
        return redirect("documents:register_paper", terc=offices[0].terc)
    return render(request, "documents/register/home.html", {"offices": offices})


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["od"], form.cleaned_data["do"]
    start = today.replace(day=1)
    if not form.is_bound:
        form = PeriodForm(initial={"od": start, "do": today})
    return form, start, today


def _row(entry) -> list[str]:
    def date(value) -> str:
        return value.strftime("%d.%m.%Y") if value else NO_DATA

    who = entry.correspondent
    attachments = NO_DATA if entry.attachments_count is None else str(entry.attachments_count)
    if entry.attachments_kind:
        attachments = f"{attachments} ({entry.attachments_kind})"
    return [
        entry.rpw,
        timezone.localtime(entry.received_at).strftime("%d.%m.%Y %H:%M"),
        str(entry.get_channel_display()),
        entry.sender or NO_DATA,
        (who.address if who else "") or NO_DATA,
        entry.sender_reference or NO_DATA,
        date(entry.sender_date),
        entry.title,
        attachments,
        entry.department.symbol,
        entry.case.sign if entry.case else "",
    ]


def _header() -> list[str]:
    return [
        _("RPW number"),
        _("Received"),
        _("Channel"),
        _("Sender"),
        _("Sender's address"),
        _("Sender's reference"),
        _("Date on the item"),
        _("Subject"),
        _("Attachments"),
        _("Routed to"),
        _("Case"),
    ]


@staff_required
def register_list(request: HttpRequest, terc: str) -> HttpResponse:
    office = _office(request, terc)
    form, start, end = _period(request)
    entries = selectors.register_period(office=office, start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"RPW-{office.terc}-{start.isoformat()}-{end.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # spreadsheets read the file as UTF-8
        writer = csv.writer(response)
        writer.writerow(_header())
        for entry in entries.iterator(chunk_size=500):
            writer.writerow(_row(entry))
        return response
    return render(
        request,
        "documents/register/list.html",
        {
            "office": office,
            "form": form,
            "start": start,
            "end": end,
            "header": _header(),
            "rows": [(entry, _row(entry)) for entry in entries],
        },
    )


def _details(data: dict) -> CorrespondentDetails:
    values = {key: data.get(key) or "" for key in PaperItemForm.SENDER}
    return CorrespondentDetails(**{**values, "kind": values["kind"] or "person"})


def _received_at(day: dt.date | None) -> dt.datetime | None:
    if day is None or day == timezone.localdate():
        return None
    noon = dt.datetime.combine(day, dt.time(12, 0))
    return timezone.make_aware(noon)


@staff_required
def paper_new(request: HttpRequest, terc: str) -> HttpResponse:
    """Register a paper item: find the sender (GET ``q``), pick one (``korespondent``) or
    describe a new one, then the item itself (POST)."""
    office = _office(request, terc)
    source = request.POST if request.method == "POST" else request.GET
    chosen = selectors.correspondent_of(
        office=office, pk=source.get("correspondent") or source.get("korespondent")
    )
    q = request.GET.get("q", "").strip()[:100]
    found = selectors.correspondent_search(office=office, q=q) if q else []
    departments = list(departments_of(office).filter(is_active=True))
    form = PaperItemForm(
        request.POST if request.method == "POST" else None,
        departments=departments,
        chosen=chosen,
        initial={"correspondent": chosen.pk if chosen else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            who = chosen or services.correspondent_find_or_create(
                office=office, details=_details(data), actor=request.user
            )
            entry = services.paper_register(
                office=office,
                clerk=request.user,
                correspondent=who,
                department=next(d for d in departments if d.pk == data["department"]),
                title=data["title"],
                channel=data["channel"],
                received_at=_received_at(data.get("received_on")),
                sender_reference=data.get("sender_reference") or "",
                sender_date=data.get("sender_date"),
                attachments_count=data.get("attachments_count"),
                attachments_kind=data.get("attachments_kind") or "",
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Registered as %(rpw)s. Print its label.") % {"rpw": entry.rpw}
            )
            return redirect("documents:register_entry", terc=office.terc, pk=entry.pk)
    return render(
        request,
        "documents/register/paper.html",
        {"office": office, "form": form, "q": q, "found": found, "chosen": chosen},
    )


@staff_required
def correspondents_json(request: HttpRequest, terc: str) -> JsonResponse:
    """Search-as-you-type for the paper desk's script (the page works without it)."""
    office = _office(request, terc)
    found = selectors.correspondent_search(office=office, q=request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {"id": c.pk, "name": c.display_name, "address": c.address, "pesel": c.pesel}
                for c in found
            ]
        }
    )


def _entry(request: HttpRequest, terc: str, pk):
    office = _office(request, terc)
    entry = selectors.register_entry_of(office=office, pk=pk)
    if entry is None:
        raise Http404
    return office, entry


def _entry_case(request: HttpRequest, office, entry, open_form, join_form) -> str | None:
    """Open a case for the item or add it to one; the success message, or None."""
    if open_form.is_bound and open_form.is_valid():
        wanted = open_form.cleaned_data["service"]
        service = next(s for s in open_form.services if s.pk == wanted)
        case = services.entry_case_open(entry=entry, service=service, clerk=request.user)
        return _("Case %(sign)s was opened.") % {"sign": case.sign}
    if join_form.is_bound and join_form.is_valid():
        case = selectors.office_case_by_sign(office=office, sign=join_form.cleaned_data["sign"])
        if case is None:
            join_form.add_error("sign", _("There is no case with this sign in the office."))
            return None
        services.entry_case_join(entry=entry, case=case, clerk=request.user)
        return _("The item was added to case %(sign)s.") % {"sign": case.sign}
    return None


@staff_required
def entry_detail(request: HttpRequest, terc: str, pk: int) -> HttpResponse:
    office, entry = _entry(request, terc, pk)
    action = request.POST.get("action")
    open_form = CaseOpenForm(
        request.POST if action == "open" else None,
        services=selectors.paper_services(office=office),
    )
    join_form = CaseJoinForm(request.POST if action == "join" else None)
    if request.method == "POST":
        try:
            done = _entry_case(request, office, entry, open_form, join_form)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if done:
                messages.success(request, done)
                return redirect("documents:register_entry", terc=office.terc, pk=entry.pk)
    return render(
        request,
        "documents/register/entry.html",
        {
            "office": office,
            "entry": entry,
            "scans": list(entry.scans.defer("content").order_by("pk")),
            "open_form": open_form,
            "join_form": join_form,
        },
    )


@staff_required
def entry_label(request: HttpRequest, terc: str, pk: int) -> HttpResponse:
    layout = request.GET.get("uklad", "62mm")
    entry = selectors.label_entry(user=request.user, terc=terc, pk=pk)
    if entry is None or layout not in LAYOUTS:
        raise Http404
    received = timezone.localtime(entry.received_at).strftime("%d.%m.%Y %H:%M")
    pdf = label_pdf(rpw=entry.rpw, lines=[entry.office.name, received], layout=layout)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{entry.rpw.replace('/', '-')}-{layout}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@staff_required
def scans(request: HttpRequest, terc: str) -> HttpResponse:
    """Upload scans; the ones without a readable label wait here to be assigned by hand."""
    office = _office(request, terc)
    form = ScanForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["scan"]
        try:
            scan = services.scan_upload(
                office=office, clerk=request.user, filename=upload.name, content=upload.read()
            )
        except DomainError as exc:
            form.add_error("scan", exc.message)
        else:
            if scan.entry_id:
                messages.success(
                    request,
                    _("The scan was attached to %(rpw)s.") % {"rpw": scan.entry.rpw},
                )
                return redirect("documents:register_entry", terc=office.terc, pk=scan.entry_id)
            messages.warning(
                request, _("No label of this office could be read; assign the scan by hand.")
            )
            return redirect("documents:register_scans", terc=office.terc)
    return render(
        request,
        "documents/register/scans.html",
        {
            "office": office,
            "form": form,
            "unmatched": list(selectors.unmatched_scans(office=office)),
            "assign_form": ScanAssignForm(),
        },
    )


@staff_required
@require_POST
def scan_assign(request: HttpRequest, terc: str, pk: int) -> HttpResponse:
    office = _office(request, terc)
    scan = selectors.scan_of(office=office, pk=pk)
    if scan is None:
        raise Http404
    form = ScanAssignForm(request.POST)
    entry = form.is_valid() and selectors.register_entry_by_rpw(
        office=office, rpw=form.cleaned_data["rpw"]
    )
    if not entry:
        messages.error(request, _("There is no item with this RPW number in the office."))
        return redirect("documents:register_scans", terc=office.terc)
    try:
        services.scan_assign(scan=scan, entry=entry, clerk=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("documents:register_scans", terc=office.terc)
    messages.success(request, _("The scan was attached to %(rpw)s.") % {"rpw": entry.rpw})
    return redirect("documents:register_entry", terc=office.terc, pk=entry.pk)


@staff_required
def scan_file(request: HttpRequest, terc: str, pk: int) -> HttpResponse:
    office = _office(request, terc)
    scan = selectors.scan_of(office=office, pk=pk)
    if scan is None or scan.malware:  # an infected scan is kept as evidence, never served
        raise Http404
    response = HttpResponse(bytes(scan.content), content_type=scan.content_type)
    response["Content-Disposition"] = f'attachment; filename="skan-{scan.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
