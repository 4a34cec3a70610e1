"""Pages of the receipts: the public UPO verification page, the owner's PDF and XML.

The clerks' screens are in ``documents.backoffice``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from signatures import services as signatures
from signatures.presentation import summarize

from . import selectors
from .services.receipts import receipt_fields


def receipt_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: is this receipt genuine? Shows no personal data, only what identifies it."""
    receipt = selectors.receipt_public(public_id)
    if receipt is None:
        raise Http404
    report = signatures.validate(bytes(receipt.xml))
    fields = receipt_fields(receipt)
    return render(
        request,
        "documents/receipt_verify.html",
        {
            "receipt": receipt,
            "fields": fields,
            "document_sha256": fields["info"].get("SkrotDokumentuSHA256", ""),
            "valid": report.indication == "TOTAL_PASSED",
            "reason": summarize(report).reason,
        },
    )


@login_required
def receipt_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    """The PDF of one of the user's receipts, once rendered."""
    receipt = selectors.receipt_public(public_id)
    owner = receipt is not None and (
        (
            receipt.submission_id
            and selectors.submissions_for(request.user).filter(pk=receipt.submission_id).exists()
        )
        or (receipt.letter_id and selectors.receipt_owned(user=request.user, receipt=receipt))
    )
    if not owner:
        raise Http404
    if not receipt.has_pdf:
        return render(request, "documents/receipt_pending.html", {"receipt": receipt}, status=202)
    response = HttpResponse(bytes(receipt.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="UPO-{receipt.public_id}.pdf"'
    return response


@login_required
def receipt_xml(request: HttpRequest, public_id: str) -> HttpResponse:
    receipt = selectors.receipt_public(public_id)
    owner = receipt is not None and (
        (
            receipt.submission_id
            and selectors.submissions_for(request.user).filter(pk=receipt.submission_id).exists()
        )
        or (receipt.letter_id and selectors.receipt_owned(user=request.user, receipt=receipt))
    )
    if not owner:
        raise Http404
    response = HttpResponse(bytes(receipt.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="UPO-{receipt.public_id}.xml"'
    return response
