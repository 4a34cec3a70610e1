"""Sharing a case outside its department (/backoffice/sprawy/<pk>/udostepnienie/): the list of
shares, a form to add one and a button to take each back. Thin: each POST calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from .. import selectors
from ..forms import ShareForm
from ..selectors.sharing import case_shares, share_candidates
from ..services.sharing import case_share, case_unshare, sharing_as


def _case(request: HttpRequest, pk: int):
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


def _candidates(case, user) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for m in share_candidates(case=case):
        if m.user_id == user.pk:
            continue
        where = m.department.name if m.department_id else _("the whole office")
        label = f"{m.user.get_full_name() or m.user.email} ({m.get_role_display()}, {where})"
        seen[m.user_id] = f"{seen[m.user_id]}; {label}" if m.user_id in seen else label
    return list(seen.items())


@staff_required
def case_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    allowed, on_behalf_of = sharing_as(user=request.user, case=case)
    form = None
    status = 200
    if allowed:
        form = ShareForm(request.POST or None, candidates=_candidates(case, request.user))
        if request.method == "POST" and form.is_valid():
            clerk = selectors.staff_member(pk=form.cleaned_data["clerk"])
            try:
                case_share(
                    case=case,
                    clerk=clerk,
                    may_change=form.cleaned_data["may_change"],
                    acting=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The case is shared."))
                return redirect("documents:case_sharing", pk=case.pk)
        if request.method == "POST":
            status = 400
    elif request.method == "POST":
        status = 403
    return render(
        request,
        "documents/staff/case_sharing.html",
        {
            "case": case,
            "shares": case_shares(case=case),
            "form": form,
            "allowed": allowed,
            "on_behalf_of": on_behalf_of,
        },
        status=status,
    )


@staff_required
@require_POST
def case_sharing_revoke(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    case = _case(request, pk)
    clerk = selectors.staff_member(pk=user_id)
    if clerk is None:
        raise Http404
    try:
        case_unshare(case=case, clerk=clerk, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The case is no longer shared with this person."))
    return redirect("documents:case_sharing", pk=case.pk)
