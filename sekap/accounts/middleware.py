"""Staff must present a second factor (TOTP) before any back-office page; the device the
session was verified with is read with SQL compiled once."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp import devices_for_user
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from sekap.prepared import PreparedGet

from .sessions import is_national_node_session

_devices: dict[type[Device], PreparedGet] = {}


def device_by_persistent_id(persistent_id: str) -> Device | None:
    """``Device.from_persistent_id`` (``app.model/id``), the row read with SQL compiled once per
    device model and connection (``sekap.prepared``): compiling the ORM's query was three
    quarters of the read's CPU on every staff page. Nothing is cached but the SQL: a deleted
    device is not found on the very next request, and django_otp's middleware refuses an
    unconfirmed one or another user's."""
    label, _, key = persistent_id.rpartition("/")
    try:
        model = apps.get_model(label)
        pk = int(key)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device):
        return None
    reader = _devices.get(model)
    if reader is None:
        reader = _devices[model] = PreparedGet(model.objects.all, field="pk")
    return reader.get(pk)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django_otp's middleware (``request.user.otp_device``, ``is_verified``), reading the
    session's device with :func:`device_by_persistent_id`."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        return device_by_persistent_id(self._normalize_persistent_id(persistent_id))


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
