"""Login, logout and the second factor (TOTP) for staff."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sekap import audit
from sekap.nodelogin.views import logout_at_node, to_node_logout

from . import services
from .forms import EmailAuthenticationForm, TokenForm
from .middleware import node_session_refusal
from .selectors import second_factor_wait
from .sessions import is_national_node_session


class LoginView(auth_views.LoginView):
    """One login for everybody. Staff go on to the second factor and then to the back office
    (or to the staff page they asked for), never to the citizens' pages on a password only."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        if not user.needs_second_factor:
            return url
        prefixes = tuple(settings.SEKAP_SECOND_FACTOR_PREFIXES)
        target = url if url.startswith(prefixes) else settings.SEKAP_STAFF_HOME
        if getattr(user, "is_verified", lambda: False)():
            return target
        has_device = any(True for _device in devices_for_user(user, confirmed=True))
        step = "accounts:otp_verify" if has_device else "accounts:otp_setup"
        return f"{reverse(step)}?{urlencode({'next': target})}"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None and form.is_bound and form.has_error("__all__", "unconfirmed"):
            context["unconfirmed_email"] = form.cleaned_data.get("username", "")
        return context


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Single logout at the node: over SOAP at once, or (front channel) the browser carries
        # the LogoutRequest there after the local logout.
        front = logout_at_node(request) if is_national_node_session(request) else None
        response = super().post(request, *args, **kwargs)
        return to_node_logout(request, front) if front is not None else response


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes in a row: wait %(count)d second, then enter the code your app "
        "shows at that moment.",
        "Too many wrong codes in a row: wait %(count)d seconds, then enter the code your app "
        "shows at that moment.",
        seconds,
    ) % {"count": seconds}


def _wrong_code_message(user) -> str:
    wait = second_factor_wait(user=user)
    message = _("This code is wrong or has expired. Enter the current code.")
    if wait:
        message += " " + ngettext(
            "Wait %(count)d second before the next try.",
            "Wait %(count)d seconds before the next try.",
            wait,
        ) % {"count": wait}
    return message


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    if is_national_node_session(request):
        return node_session_refusal(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = second_factor_wait(user=request.user)
        if wait:  # the code is not even checked now: do not call it wrong
            form.add_error("token", _wait_message(wait))
        else:
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                audit.record(actor=request.user, action="accounts.second_factor.passed")
                return HttpResponseRedirect(_safe_next(request))
            audit.record(actor=request.user, action="accounts.second_factor.failed")
            form.add_error("token", _wrong_code_message(request.user))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8").split("?>", 1)[-1]


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    if is_national_node_session(request):
        return node_session_refusal(request)
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
        wait = second_factor_wait(user=user)
        if wait:
            form.add_error("token", _wait_message(wait))
        elif services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["token"]
        ):
            otp_login(request, device)
            messages.success(request, _("Two-step login is on. Keep the authenticator app safe."))
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error("token", _wrong_code_message(user))
    secret_b32 = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4)),
        "next": _safe_next(request),
    }
    return render(request, "accounts/otp_setup.html", context)
