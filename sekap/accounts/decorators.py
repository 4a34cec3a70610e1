"""Access checks for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import UserKind
from .sessions import is_national_node_session


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only office staff with a verified second factor may use the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.kind == UserKind.STAFF or user.is_superuser):
            raise PermissionDenied
        if not user.is_verified() or is_national_node_session(request):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
