"""A party's complaint about delay (ponaglenie, KPA art. 37) from the case page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from documents import selectors as documents
from documents.forms import ComplaintFileForm
from documents.services import deadlines
from sekap.errors import DomainError


@login_required
def case_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    case = documents.case_for(user=request.user, pk_or_sign=pk)
    if case is None:
        raise Http404
    form = ComplaintFileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = deadlines.complaint_file(
                case=case,
                party=request.user,
                kind=form.cleaned_data["kind"],
                reasons=form.cleaned_data["reasons"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your complaint was recorded. The office must forward it by %(date)s.")
                % {"date": complaint.forward_due.strftime("%d.%m.%Y")},
            )
            return redirect("portal_case", pk=case.pk)
    return render(
        request,
        "portal/matters/complaint.html",
        {"case": case, "form": form},
        status=400 if request.method == "POST" else 200,
    )
