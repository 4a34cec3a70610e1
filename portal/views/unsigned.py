"""Sending an application without a signature, where the law needs none."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sekap.errors import DomainError

from ..selectors import draft_for
from ..services import unsigned as services


@login_required
@require_POST
def draft_send_unsigned(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_for(user=request.user, pk=pk)
    if draft is None:
        raise Http404
    try:
        submission = services.draft_submit_unsigned(
            draft=draft, user=request.user, idempotency_key=request.POST.get("idempotency_key", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_draft_sign", pk=draft.pk)
    return redirect("portal_submission", public_id=submission.public_id)
