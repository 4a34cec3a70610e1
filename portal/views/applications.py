"""Filling in an application step by step, the preview, signing and sending it."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forms_platform import selectors as forms
from forms_platform.definition import iter_fields, text_of
from forms_platform.forms import build_step_form
from sekap.errors import DomainError
from signatures.browser_http import octets_response, posted_signature_value

from ..models import Draft, DraftStatus, SignatureMethod
from ..selectors import draft_for, drafts_for
from ..services import drafts as services
from ..services import prefill


def _draft(request: HttpRequest, pk: int) -> Draft:
    draft = draft_for(user=request.user, pk=pk)
    if draft is None:
        raise Http404
    return draft


def _steps(draft: Draft) -> list[dict]:
    return [
        {
            "key": step["key"],
            "title": text_of(step.get("title")),
            "done": step["key"] in draft.completed_steps,
        }
        for step in draft.steps
    ]


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/applications/drafts.html", {"drafts": drafts_for(user=request.user)}
    )


def _files_with_kept(draft: Draft, step: dict, uploaded: MultiValueDict) -> MultiValueDict:
    """Uploaded files, plus files attached earlier for the inputs left empty this time."""
    files = uploaded.copy()
    for spec in iter_fields({"steps": [step]}):
        if spec["type"] != "attachment" or files.getlist(spec["name"]):
            continue
        if draft.data.get(spec["name"]):
            kept = []
            for item in draft.data[spec["name"]]:
                kept.append(
                    SimpleUploadedFile(
                        item["name"], base64.b64decode(item["content_base64"]), item["content_type"]
                    )
                )
            files.setlist(spec["name"], kept)
    return files


# The stages after the form's own steps, as the progress bar shows them: check, sign, send.
STAGES_AFTER_FORM = 3


@login_required
@require_http_methods(["GET", "POST"])
def draft_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    draft = _draft(request, pk)
    if draft.status == DraftStatus.SUBMITTED:
        return redirect("portal_drafts")
    steps = draft.steps
    index = next((i for i, s in enumerate(steps) if s["key"] == step), None)
    if index is None:
        raise Http404
    spec_step = steps[index]
    names = services.step_field_names(draft, step)
    context_data = {k: v for k, v in draft.data.items() if k not in names}
    if request.method == "POST":
        files = _files_with_kept(draft, spec_step, request.FILES)
        reshaping = "_add" in request.POST or "_remove" in request.POST  # a row added/removed
        form = build_step_form(
            draft.version.definition,
            step_key=step,
            data=request.POST,
            files=files,
            context=context_data,
            validate=not reshaping,
        )
        if not reshaping and form.is_valid():
            services.draft_save_step(
                draft=draft, user=request.user, step_key=step, step_data=form.form_data
            )
            if request.POST.get("action") == "save":
                messages.success(request, _("Your draft is saved. You can come back to it later."))
                return redirect("portal_drafts")
            if request.POST.get("action") == "back" and index > 0:
                return redirect("portal_draft_step", pk=draft.pk, step=steps[index - 1]["key"])
            if index + 1 < len(steps):
                return redirect("portal_draft_step", pk=draft.pk, step=steps[index + 1]["key"])
            return redirect("portal_draft_preview", pk=draft.pk)
        status = 200 if reshaping else 400
    else:
        form = build_step_form(
            draft.version.definition,
            step_key=step,
            initial_data=prefill.step_initial(draft=draft, step=spec_step),
            context=context_data,
        )
        status = 200
    attached = [a for a in services.attachments_of(draft) if a["field"] in names]
    context = {
        "draft": draft,
        "form": form,
        "steps": _steps(draft),
        "step": {"key": step, "title": text_of(spec_step.get("title")), "number": index + 1},
        "step_count": len(steps) + STAGES_AFTER_FORM,
        "is_first": index == 0,
        "is_last": index + 1 == len(steps),
        "attached": attached,
    }
    return render(request, "portal/applications/step.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def draft_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as the office will see it, rendered by the form version's own XSL."""
    draft = _draft(request, pk)
    if draft.status == DraftStatus.SUBMITTED:
        return redirect("portal_drafts")
    missing = services.missing_steps(draft)
    if missing:
        messages.error(request, _("Fill in this step first."))
        return redirect("portal_draft_step", pk=draft.pk, step=missing[0]["key"])
    if request.method == "POST":
        try:
            services.draft_prepare(draft=draft, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_draft_preview", pk=draft.pk)
        return redirect("portal_draft_sign", pk=draft.pk)
    sender, addressee = services.parties(draft)
    document = bytes(draft.document) if draft.document else None
    if document is None:
        try:
            document = forms.build_document(
                version=draft.version, data=draft.data, sender=sender, addressee=addressee
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_draft_step", pk=draft.pk, step=draft.steps[0]["key"])
    document_html = forms.render_html(document, fragment=True, version=draft.version)
    return render(
        request,
        "portal/applications/preview.html",
        {
            "draft": draft,
            "steps": _steps(draft),
            "document_html": document_html,
            "attached": services.attachments_of(draft),
        },
    )


@login_required
def draft_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The prepared XML, to be signed outside the portal."""
    draft = _draft(request, pk)
    if not draft.document:
        raise Http404
    response = HttpResponse(bytes(draft.document), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="wniosek-{draft.pk}.xml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def draft_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose how to sign: trusted profile, a file signed elsewhere, or the browser's key."""
    from ..forms import SignedFileForm

    draft = _draft(request, pk)
    if draft.status == DraftStatus.SUBMITTED:
        return redirect("portal_drafts")
    if draft.status == DraftStatus.FILLING or not draft.document:
        return redirect("portal_draft_preview", pk=draft.pk)
    upload = SignedFileForm(
        request.POST if request.POST.get("method") == "upload" else None,
        request.FILES if request.POST.get("method") == "upload" else None,
    )
    if request.method == "POST":
        method = request.POST.get("method")
        try:
            if method == "trusted":
                services.draft_sign_trusted_profile(draft=draft, user=request.user)
                return redirect("portal_draft_send", pk=draft.pk)
            if method == "upload" and upload.is_valid():
                services.draft_attach_signed(
                    draft=draft, user=request.user, signed_xml=upload.cleaned_data["signed_file"]
                )
                return redirect("portal_draft_send", pk=draft.pk)
        except DomainError as exc:
            if method == "upload":
                upload.add_error("signed_file", exc.message)
            else:
                messages.error(request, exc.message)
                return redirect("portal_draft_sign", pk=draft.pk)
    context = {
        "draft": draft,
        "upload": upload,
        "steps": _steps(draft),
        "browser_keys": " ".join(services.browser_certificates(request.user)),
    }
    return render(
        request, "portal/applications/sign.html", context, status=400 if upload.errors else 200
    )


@login_required
@require_POST
def draft_sign_browser(request: HttpRequest, pk: int) -> HttpResponse:
    """Signing in the browser: ``start`` answers the octets to sign (JSON, for the script);
    ``finish`` takes the signature value and continues like the other ways of signing."""
    draft = _draft(request, pk)
    if request.POST.get("action") == "start":
        return octets_response(
            lambda: services.browser_signing_start(
                draft=draft, user=request.user, key_id=request.POST.get("key_id", "")
            )
        )
    value = posted_signature_value(request)
    try:
        services.browser_signing_finish(draft=draft, user=request.user, signature_value=value)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_draft_sign", pk=draft.pk)
    return redirect("portal_draft_send", pk=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def draft_send(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)
    if draft.status == DraftStatus.SUBMITTED and draft.submission_public_id:
        return redirect("portal_submission", public_id=draft.submission_public_id)
    if draft.status != DraftStatus.SIGNED:
        return redirect("portal_draft_sign", pk=draft.pk)
    if request.method == "POST":
        try:
            submission = services.draft_submit(
                draft=draft,
                user=request.user,
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_draft_send", pk=draft.pk)
        return redirect("portal_submission", public_id=submission.public_id)
    return render(
        request,
        "portal/applications/send.html",
        {
            "draft": draft,
            "steps": _steps(draft),
            "method_label": SignatureMethod(draft.signature_method).label,
            "attached": services.attachments_of(draft),
        },
    )


@login_required
@require_POST
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)
    try:
        services.draft_delete(draft=draft, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The draft is deleted."))
    return redirect("portal_drafts")
