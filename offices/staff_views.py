"""Back office: the staff CSV import (upload, preview, apply) and deactivating leavers.

The uploaded file is kept in the person's session between the preview and the confirmation;
the confirmation names the file's SHA-256 and the plan's digest, so what is applied is the
file previewed, with the effects previewed.
"""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sekap.accounts.decorators import staff_required
from sekap.accounts.models import User
from sekap.errors import DomainError

from .leavers import staff_deactivate_many
from .selectors import may_administer_staff
from .staff_import import MAX_BYTES, staff_import_apply, staff_import_preview

SESSION_KEY = "offices_staff_import"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 or Windows-1250, fields separated by ; or ,. The first line names the "
            "columns (see the description below)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


@staff_required
@require_http_methods(["GET", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    if not may_administer_staff(request.user):
        raise PermissionDenied
    action = request.POST.get("action", "")
    form = UploadForm(request.POST or None, request.FILES or None) if action != "apply" else None
    plan = None
    if action == "apply":
        stored = request.session.get(SESSION_KEY)
        if not stored or stored["sha256"] != request.POST.get("sha256"):
            messages.error(request, _("Upload and preview the file again."))
            return redirect("offices:staff_import")
        content = base64.b64decode(stored["data"])
        try:
            result = staff_import_apply(
                content=content,
                actor=request.user,
                sha256=request.POST.get("sha256", ""),
                digest=request.POST.get("digest", ""),
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("offices:staff_import")
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _(
                "The file has been applied: %(created)d people created, %(changed)d changed, "
                "%(deactivated)d deactivated, %(departments)d departments created."
            )
            % {
                "created": result.created,
                "changed": result.changed,
                "deactivated": result.deactivated,
                "departments": result.departments_created,
            },
        )
        return redirect("offices:staff_import")
    if form is not None and request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        plan = staff_import_preview(content=content, actor=request.user)
        if plan.ok:
            request.session[SESSION_KEY] = {
                "sha256": plan.sha256,
                "name": form.cleaned_data["file"].name[:200],
                "data": base64.b64encode(content).decode("ascii"),
            }
        else:
            request.session.pop(SESSION_KEY, None)
    response = render(
        request,
        "offices/staff_import.html",
        {
            "form": form or UploadForm(),
            "plan": plan,
            "file_name": request.session.get(SESSION_KEY, {}).get("name", ""),
        },
        status=422 if plan is not None and not plan.ok else 200,
    )
    return response


class DeactivateForm(forms.Form):
    emails = forms.CharField(
        label=gettext_lazy("E-mail addresses of the people leaving"),
        help_text=gettext_lazy("One per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def clean_emails(self) -> list[User]:
        emails = [e.strip().lower() for e in self.cleaned_data["emails"].split() if e.strip()]
        users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
        unknown = [e for e in emails if e not in users]
        if unknown:
            raise forms.ValidationError(
                _("No account with the e-mail: %(emails)s.") % {"emails": ", ".join(unknown)}
            )
        return [users[e] for e in dict.fromkeys(emails)]


@staff_required
@require_http_methods(["GET", "POST"])
def staff_deactivate(request: HttpRequest) -> HttpResponse:
    if not may_administer_staff(request.user):
        raise PermissionDenied
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            results = staff_deactivate_many(
                users=form.cleaned_data["emails"],
                actor=request.user,
                reason=form.cleaned_data["reason"] or "leaver",
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Deactivated: %(people)s. Sessions ended: %(sessions)d, API tokens "
                    "revoked: %(tokens)d, open cases returned to their departments' "
                    "unassigned lists: %(cases)d."
                )
                % {
                    "people": ", ".join(r.user.email for r in results),
                    "sessions": sum(r.sessions_ended for r in results),
                    "tokens": sum(r.tokens_revoked for r in results),
                    "cases": sum(r.handed_back for r in results),
                },
            )
            return redirect("offices:staff_deactivate")
    return render(request, "offices/staff_deactivate.html", {"form": form})
