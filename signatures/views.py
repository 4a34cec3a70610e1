"""Public page: verify a signed document (upload -> readable report, PDF summary or the ETSI
TS 119 102-2 XML report). Accepts XML with XAdES, a PDF with PAdES, an ASiC-E container, or any
file with its detached XAdES signature."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from sekap.ratelimits import limit
from signatures import services
from signatures.etsi_report import etsi_validation_report
from signatures.presentation import summarize

# Document-level codes of a file that is not a document we can check: the form says which.
UNREADABLE = {
    "pdf.syntax": _(
        "This PDF file cannot be read: it is damaged or not really a PDF. Upload the signed "
        "PDF as you received it."
    ),
    "pdf.too_large": _("The document is too large."),
    "asic.format": _(
        "This ZIP file is not an ASiC-E signature container (or it is damaged), so its "
        "signatures cannot be checked."
    ),
}
NOT_A_SIGNATURE = _(
    "The file given as the signature is not an XML signature (.xades or .xml). Upload the "
    "signature file that came with the document."
)


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("Signed document"),
        help_text=_(
            "XML signed with XAdES, PDF signed with PAdES, or an ASiC-E container (.asice); or "
            "any file whose signature is in a separate file. Up to 10 MB."
        ),
    )
    signature = forms.FileField(
        label=_("Separate signature file (optional)"),
        required=False,
        help_text=_(
            "Only when the signature came as a separate file beside the document, for example "
            "wniosek.pdf.xades."
        ),
    )

    def _sized(self, name: str):
        upload = self.cleaned_data.get(name)
        if upload is not None and upload.size > services.max_document_bytes():
            raise forms.ValidationError(_("The document is too large."))
        return upload

    def clean_document(self):
        return self._sized("document")

    def clean_signature(self):
        upload = self._sized("signature")
        if upload is not None:
            head = upload.read(1024)
            upload.seek(0)
            if head.lstrip()[:1] != b"<":
                raise forms.ValidationError(NOT_A_SIGNATURE, code="not_a_signature")
        return upload

    def validate(self):
        """The report, or None with the reason added to the form when the file is unreadable."""
        document = self.cleaned_data["document"]
        data = document.read()
        signature = self.cleaned_data.get("signature")
        if signature is not None:
            report = services.validate(signature.read(), detached_documents={document.name: data})
        else:
            report = services.validate(data)
        code = report.errors[0].code if report.errors and not report.signatures else ""
        if code in UNREADABLE:
            self.add_error("document", forms.ValidationError(UNREADABLE[code], code=code))
            return None
        return report


@limit("verify_page")
def verify_document(request: HttpRequest) -> HttpResponse:
    report = None
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = form.validate()
        if report is not None:
            if request.POST.get("format") == "pdf":
                return _pdf(request, report)
            if request.POST.get("format") == "etsi":
                return _etsi(report)
    context = {"form": form, "summary": summarize(report) if report else None}
    return render(request, "signatures/verify.html", context, status=400 if form.errors else 200)


def verify_document_pdf(request: HttpRequest) -> HttpResponse:
    return verify_document(request)


def _etsi(report) -> HttpResponse:
    response = HttpResponse(etsi_validation_report(report=report), content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="raport-walidacji-etsi.xml"'
    return response


def _pdf(request: HttpRequest, report) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(
        "signatures/report_pdf.html", {"summary": summarize(report), "pdf": True}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="signature-report.pdf"'
    return response
