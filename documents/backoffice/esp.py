"""Back office: an office's ESP machine tokens, for CPD administrators and the office's admins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offices.selectors import office_by_terc
from sekap.accounts.decorators import staff_required

from .. import services
from ..models import EspToken
from ..services.esp import may_manage_tokens


class EspTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What will use the token"),
        max_length=120,
        help_text=gettext_lazy("For example: the office's document management system (EZD)."),
    )


@staff_required
def esp_tokens(request: HttpRequest, terc: str) -> HttpResponse:
    office = office_by_terc(terc)
    if office is None:
        raise Http404
    if not may_manage_tokens(user=request.user, office=office):
        raise PermissionDenied
    form = EspTokenForm(request.POST if request.POST.get("action") == "issue" else None)
    secret = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token_id = request.POST.get("token", "")
        if not token_id.isdigit():
            raise Http404
        token = get_object_or_404(EspToken, pk=int(token_id), office=office)
        services.esp_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token has been revoked."))
        return redirect("documents:backoffice_esp_tokens", terc=office.terc)
    if request.method == "POST" and form.is_valid():
        # shown once, in this response only: never stored, never put in the session
        _token, secret = services.esp_token_issue(
            office=office, name=form.cleaned_data["name"], actor=request.user
        )
        form = EspTokenForm()
    response = render(
        request,
        "documents/backoffice_esp_tokens.html",
        {
            "office": office,
            "tokens": EspToken.objects.filter(office=office).order_by("-created_at"),
            "form": form,
            "secret": secret,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
