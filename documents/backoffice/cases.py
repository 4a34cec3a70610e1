"""Work lists and the case page (/backoffice/sprawy/)."""

from __future__ import annotations

from html import escape

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offices.selectors import memberships_active
from sekap.accounts.decorators import staff_required
from sekap.datetimes import polish_date
from sekap.errors import DomainError

from .. import selectors, services
from ..errors import AssignmentRefused
from ..forms import LetterForm
from ..models import Case, CaseStatus, LetterKind
from ..selectors import register as register_selectors
from ..selectors.opinions import case_opinions
from ..selectors.reading import submission_files, submission_html
from ..selectors.visibility import OFFICE_WIDE_Q, scope_departments
from ..selectors.worklists import BY_KEY, SORTS, WorklistRow, status_name, worklist_page
from ..services import deadlines
from ..services.assignment import assignable_clerks, assigning_as


def _default_worklist(user) -> str:
    wide = memberships_active(user=user).filter(OFFICE_WIDE_Q)
    return "incoming" if wide.exists() else "department"


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The back office's case start page: the person's usual work list."""
    return worklist(request, _default_worklist(request.user))


def case_url_prefix() -> str:
    """The case page's address without its number: a list of 50 rows adds the number to it
    instead of resolving the URL 50 times."""
    url = reverse("documents:backoffice_case", args=[0])
    return url[: url.rindex("0/")]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def worklist_rows(*, cases: list[WorklistRow], case_url: str) -> SafeString:
    """A list page's table rows (sign with its link, title, applicant, status, deadline,
    handler). Every value is escaped by ``html.escape`` (what Django's ``escape`` calls; the
    case's number is an int): ``format_html_join`` spent most of its time in the lazy-string
    checks of ``conditional_escape`` (650 calls a page, a tenth of a list page's CPU), and a
    status's name is looked up once per page, not per row."""
    url = escape(case_url)
    undue = escape(_("without undue delay"))
    statuses: dict[str, str] = {}
    rows = []
    for case in cases:
        status = statuses.get(case.status)
        if status is None:
            status = statuses[case.status] = escape(status_name(case.status))
        deadline = polish_date(case.deadline) if case.deadline else undue
        rows.append(
            f'<tr><td><a href="{url}{int(case.pk)}/">{escape(case.sign)}</a></td>'
            f"<td>{escape(case.title)}</td><td>{escape(case.applicant)}</td>"
            f"<td>{status}</td><td>{deadline}</td>"
            f"<td>{escape(case.assignee or '—')}</td></tr>"
        )
    return SafeString("\n".join(rows))


_LABELS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def _translated(name: str, choices) -> tuple[tuple[str, str], ...]:
    """Fixed choices with their labels in the current language, translated once per language
    and process (20-odd labels a page)."""
    key = (name, get_language() or "")
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = tuple((value, str(label)) for value, label in choices)
    return labels


def options(choices, selected) -> SafeString:
    """A select's options, the one whose value is ``selected`` marked, escaped by
    ``html.escape`` (a template loop with a comparison per option cost as much as the rows;
    ``format_html`` half as much)."""
    return SafeString(
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


@staff_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    if key not in BY_KEY:
        raise Http404
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    sort = request.GET.get("sort", "")
    if sort not in SORTS:
        sort = ""
    department_id = _int(request.GET.get("department"))
    q = request.GET.get("q", "")[:100]
    page = worklist_page(
        staff=request.user,
        key=key,
        after=request.GET.get("after", "")[:400],
        start=_int(request.GET.get("start")) or 0,
        q=q,
        status=status,
        department_id=department_id,
        sort=sort,
    )
    query = {"status": status, "department": department_id or "", "sort": sort}
    if q:
        query = {"q": q, **query}
    return render(
        request,
        "documents/staff/worklist.html",
        {
            "worklist": BY_KEY[key],
            "page": page,
            "cases": page.cases,
            "rows": worklist_rows(cases=page.cases, case_url=case_url_prefix()),
            "first_url": "?" + urlencode(query),
            "next_url": "?" + urlencode({**query, "after": page.next_cursor, "start": page.end})
            if page.next_cursor
            else "",
            "status_options": options(
                _translated("status", [("", gettext_lazy("Any")), *CaseStatus.choices]), status
            ),
            "sort_options": options(_translated("sort", SORT_LABELS), sort),
            "q": q,
            "department_options": options(
                [
                    ("", _("Any")),
                    *(
                        (pk, f"{symbol} – {name}")
                        for pk, symbol, name in scope_departments(staff=request.user)
                    ),
                ],
                department_id or "",
            ),
        },
    )


SORT_LABELS = (
    ("", gettext_lazy("Default order")),
    ("deadline", gettext_lazy("Deadline, earliest first")),
    ("-deadline", gettext_lazy("Deadline, latest first")),
    ("opened", gettext_lazy("Oldest first")),
    ("-opened", gettext_lazy("Newest first")),
    ("sign", gettext_lazy("Case sign")),
    ("status", gettext_lazy("Status")),
)


def _staff_case(request: HttpRequest, pk) -> Case:
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


def _case_page(request: HttpRequest, case: Case, form: LetterForm, status: int = 200):
    documents = selectors.case_documents(case)
    received = [
        {
            "submission": s,
            "html": submission_html(submission=s),
            "files": submission_files(submission=s),
        }
        for s in documents["incoming"]
    ]
    may_assign, on_behalf_of = assigning_as(user=request.user, case=case)
    clerks = []
    if may_assign:
        wide = selectors.office_wide(staff=on_behalf_of or request.user, office_id=case.office_id)
        clerks = list(assignable_clerks(case=case, wide=wide))
    return render(
        request,
        "documents/backoffice_case.html",
        {
            "case": case,
            "history": selectors.case_history(case),
            "documents": documents,
            "received": received,
            "notes": case.notes.order_by("created_at", "pk"),
            "related": selectors.related_cases(staff=request.user, case=case),
            "clerks": clerks,
            "assigning_for": on_behalf_of,
            "parties": register_selectors.case_parties(case),
            "paper_items": register_selectors.case_paper_items(case),
            "opinions": case_opinions(case=case),
            "form": form,
        },
        status=status,
    )


@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    services.case_viewed(reader=request.user, case=case)
    return _case_page(request, case, _letter_form(case))


@staff_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    try:
        services.case_take(case=case, clerk=request.user)
        messages.success(request, _("You are now handling the case."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("documents:backoffice_case", pk=case.pk)


def _letter_form(case: Case, data=None) -> LetterForm:
    return LetterForm(data, parties=register_selectors.case_parties(case))


@staff_required
def letter_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    form = _letter_form(case, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == LetterKind.CALL_TO_SUPPLEMENT:  # the clock stops; due from delivery
                deadlines.supplement_call_send(
                    case=case,
                    clerk=request.user,
                    title=data["title"],
                    body=data["body"],
                    days=data["supplement_days"],
                    parties=form.chosen_parties(),
                )
            else:
                services.letter_send(
                    case=case,
                    clerk=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    parties=form.chosen_parties(),
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The letter was sealed and sent to the parties of the case.")
            )
            return redirect("documents:backoffice_case", pk=case.pk)
    return _case_page(request, case, form, status=400 if request.method == "POST" else 200)


@staff_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    clerk = selectors.staff_member(pk=request.POST.get("clerk"))
    try:
        if clerk is None:
            raise AssignmentRefused()
        services.case_assign(case=case, clerk=clerk, acting=request.user)
        messages.success(request, _("The case is assigned."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("documents:backoffice_case", pk=case.pk)


@staff_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    try:
        services.case_note_add(case=case, author=request.user, text=request.POST.get("text", ""))
        messages.success(request, _("The note is added."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("documents:backoffice_case", pk=case.pk)


@staff_required
def case_attachment(request: HttpRequest, pk: int, public_id: str, number: int) -> HttpResponse:
    case = _staff_case(request, pk)
    submission = selectors.case_submission(case=case, public_id=public_id)
    files = submission_files(submission=submission) if submission else []
    if not 0 < number <= len(files):
        raise Http404
    attached = files[number - 1]
    services.attachment_read(
        reader=request.user, submission=submission, number=number, name=attached.name
    )
    response = HttpResponse(attached.content, content_type=attached.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attached.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def case_metryka_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The metryka sprawy as PDF (rendered on request: a one-off export)."""
    case = _staff_case(request, pk)
    services.metryka_exported(reader=request.user, case=case)
    html = render_to_string(
        "documents/staff/metryka_pdf.html",
        {"case": case, "history": selectors.case_history(case)},
        request=request,
    )
    from weasyprint import HTML  # loaded late: importing WeasyPrint is slow

    pdf = HTML(string=html, base_url=None).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"metryka-{case.sign}.pdf")
    return response


@staff_required
def case_document(request: HttpRequest, pk: int, public_id: str) -> HttpResponse:
    case = _staff_case(request, pk)
    submission = selectors.case_submission(case=case, public_id=public_id)
    if submission is None:
        raise Http404
    services.document_read(reader=request.user, submission=submission, channel="backoffice")
    response = HttpResponse(bytes(submission.document), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{submission.public_id}.xml"'
    return response
