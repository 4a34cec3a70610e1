"""The clerks' deadline screens: the deadline work list (/backoffice/terminy/) and a case's
legal clock (/backoffice/sprawy/<pk>/terminy/) with its actions. Thin: the rules are in
``documents.services.deadlines`` and ``documents.services.archive``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from .. import selectors
from ..forms import (
    CaseCloseForm,
    ComplaintForwardForm,
    DelayNoticeForm,
    LeaveUnexaminedForm,
    SupplementCallForm,
    SuspensionEndForm,
    SuspensionStartForm,
)
from ..models import Case
from ..selectors import archive as reads
from ..services import archive, deadlines


@staff_required
def deadline_worklist(request: HttpRequest) -> HttpResponse:
    staff = request.user
    return render(
        request,
        "documents/deadlines/worklist.html",
        {
            "complaints": list(reads.complaints_to_forward(staff=staff)[:200]),
            "lapsed": list(reads.supplements_lapsed(staff=staff)[:200]),
            "prompted": list(reads.cases_prompted_for_delay(staff=staff)[:200]),
        },
    )


@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    target: str = ""  # the related record the action needs: "suspension" | "call" | "complaint"


ACTIONS: dict[str, Action] = {
    "suspend": Action(SuspensionStartForm),
    "resume": Action(SuspensionEndForm, "suspension"),
    "call": Action(SupplementCallForm),
    "unexamined": Action(LeaveUnexaminedForm, "call"),
    "notice": Action(DelayNoticeForm),
    "forward": Action(ComplaintForwardForm, "complaint"),
    "close": Action(CaseCloseForm),
}


def _case(request: HttpRequest, pk: int) -> Case:
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


def _target(case: Case, kind: str, raw: str):
    if not kind:
        return None
    related = {
        "suspension": case.suspensions,
        "call": case.supplement_calls,
        "complaint": case.delay_complaints,
    }[kind]
    found = related.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise Http404
    return found


def _run(action: str, *, case: Case, clerk, data: dict, target) -> Any:
    if action == "suspend":
        return deadlines.suspension_start(case=case, clerk=clerk, **data)
    if action == "resume":
        return deadlines.suspension_end(suspension=target, clerk=clerk, **data)
    if action == "call":
        return deadlines.supplement_call_send(case=case, clerk=clerk, **data)
    if action == "unexamined":
        return deadlines.supplement_left_unexamined(call=target, clerk=clerk, **data)
    if action == "notice":
        return deadlines.delay_notice_send(case=case, clerk=clerk, **data)
    if action == "forward":
        return deadlines.complaint_forward(complaint=target, clerk=clerk, **data)
    return archive.case_close(case=case, actor=clerk, **data)


def _page(request: HttpRequest, case: Case, *, failed: str = "", form=None, status=200):
    forms_by_action = {name: spec.form(prefix=name) for name, spec in ACTIONS.items()}
    if failed:
        forms_by_action[failed] = form
    return render(
        request,
        "documents/deadlines/case.html",
        {
            "case": case,
            "legal_deadline": deadlines.legal_deadline(case),
            "suspensions": list(case.suspensions.order_by("started_on", "pk")),
            "calls": list(case.supplement_calls.select_related("letter").order_by("pk")),
            "notices": list(case.delay_notices.order_by("created_at")),
            "complaints": list(case.delay_complaints.order_by("filed_at")),
            "forms": forms_by_action,
            "failed": failed,
        },
        status=status,
    )


@staff_required
def case_deadlines(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _case(request, pk))


@staff_required
@require_POST
def case_deadline_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _case(request, pk)
    target = _target(case, spec.target, request.POST.get("target", ""))
    form = spec.form(request.POST, prefix=action)
    if form.is_valid():
        try:
            _run(action, case=case, clerk=request.user, data=form.cleaned_data, target=target)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Done."))
            return redirect("documents:case_deadlines", pk=case.pk)
    case.refresh_from_db()
    return _page(request, case, failed=action, form=form, status=400)
