"""Login, logout and the second factor (TOTP) for staff."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from sekap import audit

from . import services
from .forms import EmailAuthenticationForm, TokenForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit.record(actor=request.user, action="accounts.second_factor.passed")
            return HttpResponseRedirect(_safe_next(request))
        audit.record(actor=request.user, action="accounts.second_factor.failed")
        form.add_error("token", _("This code is wrong or has expired. Enter the current code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8").split("?>", 1)[-1]


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return HttpResponseRedirect(
            reverse("accounts:otp_verify") + "?" + urlencode({"next": _safe_next(request)})
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("Two-step login is on. Keep the authenticator app safe."))
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("token", _("This code is wrong or has expired. Enter the current code."))
    secret_b32 = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4)),
        "next": _safe_next(request),
    }
    return render(request, "accounts/otp_setup.html", context)
