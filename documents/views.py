"""Pages: the public UPO verification page and the clerks' back office (/backoffice/sprawy/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError
from signatures import services as signatures
from signatures.presentation import summarize

from . import selectors, services
from .forms import LetterForm
from .models import CaseStatus, Submission
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
        or (receipt.letter_id and receipt.letter.recipient_id == request.user.pk)
    )
    if not owner:
        raise Http404
    if receipt.pdf is None:
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
        or (receipt.letter_id and receipt.letter.recipient_id == request.user.pk)
    )
    if not owner:
        raise Http404
    response = HttpResponse(bytes(receipt.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="UPO-{receipt.public_id}.xml"'
    return response


# --- back office ----------------------------------------------------------------------------


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    cases = list(selectors.queue_for(staff=request.user, status=status)[:200])
    return render(
        request,
        "documents/backoffice_queue.html",
        {"cases": cases, "status": status, "statuses": CaseStatus.choices},
    )


def _staff_case(request: HttpRequest, pk):
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    services.case_viewed(reader=request.user, case=case)
    return render(
        request,
        "documents/backoffice_case.html",
        {
            "case": case,
            "history": selectors.case_history(case),
            "documents": selectors.case_documents(case),
            "form": LetterForm(),
        },
    )


@staff_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    try:
        services.case_take(case=case, clerk=request.user)
        messages.success(request, _("You are now handling the case."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("documents:backoffice_case", pk=case.pk)


@staff_required
def letter_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_send(
                case=case,
                clerk=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                supplement_due=form.cleaned_data.get("supplement_due"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The letter was sealed and sent to the applicant."))
            return redirect("documents:backoffice_case", pk=case.pk)
    return render(
        request,
        "documents/backoffice_case.html",
        {
            "case": case,
            "history": selectors.case_history(case),
            "documents": selectors.case_documents(case),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def case_document(request: HttpRequest, pk: int, public_id: str) -> HttpResponse:
    case = _staff_case(request, pk)
    key = selectors.parse_uuid(public_id)
    submission = (
        Submission.objects.filter(Q(case=case) | Q(reply_to=case), public_id=key).first()
        if key
        else None
    )
    if submission is None:
        raise Http404
    services.document_read(reader=request.user, submission=submission, channel="backoffice")
    response = HttpResponse(bytes(submission.document), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{submission.public_id}.xml"'
    return response
