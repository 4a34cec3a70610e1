"""HTTP endpoints of the payments app: gateways' notification receiver and the embedded
sandbox bank's hosted payment page (the bank's side, reachable by its token alone)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .gateways import enabled_gateways
from .models import SandboxTransaction
from .services import notification_accept
from .services.sandbox_bank import SandboxRefusal, sandbox_decide

MAX_NOTIFICATION_BYTES = 256 * 1024


@csrf_exempt
@require_POST
def notification(request: HttpRequest, gateway: str) -> HttpResponse:
    """Where gateways POST their notifications; the signature is the authentication."""
    if gateway not in enabled_gateways():
        raise Http404
    body = request.body[: MAX_NOTIFICATION_BYTES + 1]
    if len(body) > MAX_NOTIFICATION_BYTES:
        return HttpResponse(status=413)
    headers = dict(request.headers.items())
    outcome = notification_accept(gateway_name=gateway, body=body, headers=headers)
    return HttpResponse(
        outcome.answer.body,
        status=outcome.answer.status,
        content_type=outcome.answer.content_type,
    )


@require_http_methods(["GET", "POST"])
def sandbox_bank(request: HttpRequest, token) -> HttpResponse:
    if "sandbox" not in enabled_gateways():
        raise Http404
    bank = get_object_or_404(SandboxTransaction, token=token)
    error = ""
    if request.method == "POST" and bank.status not in ("paid", "failed"):
        try:
            sandbox_decide(
                bank=bank,
                decision=request.POST.get("decision", ""),
                code=request.POST.get("code", "").strip(),
            )
        except SandboxRefusal:
            error = "code"
        else:
            target = bank.return_url
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=False
            ):
                target = "/"
            return HttpResponseRedirect(target)
    return render(
        request,
        "payments/sandbox_bank.html",
        {"bank": bank, "error": error},
        status=400 if error else 200,
    )
