"""The person's own data: download everything, see the corrections, ask for erasure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.errors import DomainError

from ..services import privacy


def _page(request: HttpRequest, *, refusal: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "portal/accounts/my_data.html",
        {
            "history": privacy.profile_history(user=request.user),
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def my_data_export(request: HttpRequest) -> HttpResponse:
    export = privacy.subject_export(user=request.user)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@require_POST
def my_data_erase(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        return _page(request, refusal=_("Tick the box to confirm the erasure."), status=400)
    try:
        privacy.subject_erase(user=request.user)
    except DomainError as exc:
        return _page(request, refusal=str(exc.message), status=409)
    logout(request)
    messages.success(request, _("Your account and its data are erased."))
    return redirect("home")
