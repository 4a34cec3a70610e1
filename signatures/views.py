"""Public page: verify a signed document (upload -> readable report, optional PDF)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from sekap.ratelimits import limit
from signatures import services
from signatures.presentation import summarize

PDF_NOT_SUPPORTED = _(
    "This is a PDF file. Checking signatures in PDF files (PAdES) is not supported yet: here you "
    "can check XML documents signed with XAdES, such as applications sent through SEKAP and "
    "their UPO."
)


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("Signed XML document"), help_text=_("XAdES-signed XML, up to 10 MB.")
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > services.max_document_bytes():
            raise forms.ValidationError(_("The document is too large."))
        head = upload.read(1024)
        upload.seek(0)
        if head.lstrip()[:5] == b"%PDF-":
            raise forms.ValidationError(PDF_NOT_SUPPORTED, code="pdf")
        return upload


@limit("verify_page")
def verify_document(request: HttpRequest) -> HttpResponse:
    report = None
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = services.validate(form.cleaned_data["document"].read())
            if request.POST.get("format") == "pdf":
                return _pdf(request, report)
    context = {"form": form, "summary": summarize(report) if report else None}
    return render(request, "signatures/verify.html", context, status=400 if form.errors else 200)


def verify_document_pdf(request: HttpRequest) -> HttpResponse:
    return verify_document(request)


def _pdf(request: HttpRequest, report) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(
        "signatures/report_pdf.html", {"summary": summarize(report), "pdf": True}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="signature-report.pdf"'
    return response
