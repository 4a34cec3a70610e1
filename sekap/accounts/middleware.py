"""Staff must present a second factor (TOTP) before any back-office page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp import devices_for_user

from .sessions import is_national_node_session


class StaffSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.SEKAP_SECOND_FACTOR_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info: the path inside the app, whatever prefix (SCRIPT_NAME) it is mounted under.
        if request.path_info.startswith(self.prefixes):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        query = urlencode({"next": request.get_full_path()})
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")
        if is_national_node_session(request):
            return node_session_refusal(request)
        if not user.needs_second_factor:
            return None  # the views themselves refuse non-staff with 403
        if user.is_verified():
            return None
        has_device = any(True for _ in devices_for_user(user, confirmed=True))
        target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
        return HttpResponseRedirect(f"{reverse(target)}?{query}")


def node_session_refusal(request: HttpRequest) -> HttpResponse:
    """A login through login.gov.pl is a citizen's login: no staff pages, no second factor."""
    return render(request, "accounts/node_session_refused.html", status=403)
