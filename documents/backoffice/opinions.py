"""Opinions within a case (/backoffice/sprawy/<pk>/opinie/): the clerk handling the case asks
a department or a person; the addressee answers with attachments. Thin: each POST calls one
service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offices.models import Department
from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from .. import selectors
from ..forms import OpinionAnswerForm, OpinionRequestForm
from ..selectors.opinions import case_opinion, case_opinions, may_answer, opinion_attachment
from ..selectors.sharing import share_candidates
from ..services.opinions import (
    AttachedFile,
    opinion_answer,
    opinion_file_read,
    opinion_request,
    opinion_withdraw,
)
from ..services.workflow import authority_for


def _case(request: HttpRequest, pk: int):
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


def _handles(request, case) -> bool:
    return (
        authority_for(actor=request.user, case=case, roles=("clerk",), at=timezone.now())
        is not None
    )


def _request_form(request, case) -> OpinionRequestForm:
    departments = Department.objects.filter(office_id=case.office_id).order_by("symbol")
    people: dict[int, str] = {}
    for m in share_candidates(case=case):
        if m.user_id != request.user.pk:
            people.setdefault(m.user_id, m.user.get_full_name() or m.user.email)
    return OpinionRequestForm(
        request.POST or None,
        departments=[(d.pk, f"{d.symbol} {d.name}") for d in departments],
        people=list(people.items()),
    )


@staff_required
def case_opinions_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    handles = _handles(request, case)
    form = _request_form(request, case) if handles else None
    status = 200
    if request.method == "POST":
        if form is None:
            status = 403
        elif form.is_valid():
            data = form.cleaned_data
            addressee = data["addressee"]
            kind, ident = addressee[0], int(addressee[1:])
            try:
                opinion_request(
                    case=case,
                    actor=request.user,
                    question=data["question"],
                    due_on=data["due_on"],
                    department=Department.objects.filter(pk=ident).first() if kind == "d" else None,
                    clerk=selectors.staff_member(pk=ident) if kind == "u" else None,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("The opinion is asked for."))
                return redirect("documents:case_opinions", pk=case.pk)
        else:
            status = 400
    return render(
        request,
        "documents/staff/case_opinions.html",
        {"case": case, "opinions": case_opinions(case=case), "form": form, "handles": handles},
        status=status,
    )


@staff_required
def opinion_page(request: HttpRequest, pk: int, public_id: str) -> HttpResponse:
    case = _case(request, pk)
    opinion = case_opinion(case=case, public_id=selectors.parse_uuid(public_id))
    if opinion is None:
        raise Http404
    answering = opinion.status == "requested" and may_answer(user=request.user, opinion=opinion)
    form = OpinionAnswerForm(request.POST or None, request.FILES or None) if answering else None
    status = 200
    if request.method == "POST":
        if form is None:
            status = 403
        elif form.is_valid():
            files = [
                AttachedFile(name=f.name, content_type=f.content_type, content=f.read())
                for f in form.cleaned_data["files"]
            ]
            try:
                opinion_answer(
                    opinion=opinion,
                    actor=request.user,
                    answer=form.cleaned_data["answer"],
                    files=files,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("The opinion is given."))
                return redirect("documents:opinion", pk=case.pk, public_id=opinion.public_id)
        else:
            status = 400
    return render(
        request,
        "documents/staff/opinion.html",
        {
            "case": case,
            "opinion": opinion,
            "form": form,
            "may_withdraw": opinion.status == "requested" and _handles(request, case),
        },
        status=status,
    )


@staff_required
@require_POST
def opinion_withdraw_view(request: HttpRequest, pk: int, public_id: str) -> HttpResponse:
    case = _case(request, pk)
    opinion = case_opinion(case=case, public_id=selectors.parse_uuid(public_id))
    if opinion is None:
        raise Http404
    try:
        opinion_withdraw(opinion=opinion, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question is withdrawn."))
    return redirect("documents:case_opinions", pk=case.pk)


@staff_required
def opinion_file(request: HttpRequest, pk: int, public_id: str, number: int) -> HttpResponse:
    case = _case(request, pk)
    opinion = case_opinion(case=case, public_id=selectors.parse_uuid(public_id))
    attached = opinion and opinion_attachment(opinion=opinion, pk=number)
    if not attached:
        raise Http404
    opinion_file_read(reader=request.user, attachment=attached)
    response = HttpResponse(bytes(attached.content), content_type=attached.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attached.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
