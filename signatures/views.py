"""Public page: verify a signed document (upload -> readable report, optional PDF)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from sekap.ratelimits import limit
from signatures import services

EXPLANATIONS = {
    "FORMAT_FAILURE": _("The document or signature is malformed or uses a construct we refuse."),
    "HASH_FAILURE": _("The signed data was changed after signing."),
    "SIG_CRYPTO_FAILURE": _("The signature value does not match the signer's key."),
    "REVOKED": _("The certificate had been revoked before the document was signed."),
    "EXPIRED": _("The document was signed after the certificate expired."),
    "NOT_YET_VALID": _("The certificate was not yet valid when the document was signed."),
    "CRYPTO_CONSTRAINTS_FAILURE": _(
        "The signature uses algorithms or key sizes that are too weak."
    ),
    "CHAIN_CONSTRAINTS_FAILURE": _("The certificate may not be used for signing documents."),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": _("The signer's certificate could not be validated."),
    "NO_SIGNING_CERTIFICATE_FOUND": _("The signer's certificate could not be identified."),
    "NO_CERTIFICATE_CHAIN_FOUND": _("The certificate was not issued by a trusted authority."),
    "REVOKED_NO_POE": _(
        "The certificate has been revoked and nothing proves the document was signed before."
    ),
    "REVOKED_CA_NO_POE": _("The certificate's issuing authority has been revoked."),
    "OUT_OF_BOUNDS_NO_POE": _(
        "The certificate has expired and nothing proves the document was signed before."
    ),
    "TRY_LATER": _("The certificate's revocation status is unavailable now; try again later."),
    "SIGNED_DATA_NOT_FOUND": _("A signed attachment was not supplied."),
    "NO_SIGNATURE_FOUND": _("The document holds no signature."),
    "POLICY_PROCESSING_ERROR": _("The signature could not be processed."),
}


def _explain(report: dict) -> dict:
    report["explanation"] = EXPLANATIONS.get(report.get("sub_indication") or "", "")
    for signature in report.get("signatures", []):
        signature["explanation"] = EXPLANATIONS.get(signature.get("sub_indication") or "", "")
    return report


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("Signed XML document"), help_text=_("XAdES-signed XML, up to 10 MB.")
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > services.max_document_bytes():
            raise forms.ValidationError(_("The document is too large."))
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
    context = {"form": form, "report": _explain(report.to_dict()) if report else None}
    return render(request, "signatures/verify.html", context)


def verify_document_pdf(request: HttpRequest) -> HttpResponse:
    return verify_document(request)


def _pdf(request: HttpRequest, report) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(
        "signatures/report_pdf.html", {"report": _explain(report.to_dict())}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="signature-report.pdf"'
    return response
