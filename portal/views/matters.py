"""After sending: the receipt, submissions, the inbox and case tracking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from documents import selectors as documents
from documents import services as document_services
from documents.services import letters
from documents.services.receipts import receipt_fields
from payments import selectors as payment_selectors
from sekap.errors import DomainError

from ..services import replies


def _or_404(found):
    if found is None:
        raise Http404
    return found


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    submissions = documents.submissions_for(request.user)
    page = Paginator(submissions, 25).get_page(request.GET.get("strona"))
    return render(request, "portal/matters/submissions.html", {"page": page})


@login_required
def submission_detail(request: HttpRequest, public_id) -> HttpResponse:
    """The "received" page: it exists only for a committed submission, with its UPO."""
    submission = _or_404(documents.submission_for(user=request.user, public_id=public_id))
    receipt = documents.receipt_of(submission)
    # the office as named in the sealed UPO, not as it is called today
    office_name = receipt_fields(receipt)["Adresat"]["name"] if receipt else submission.office.name
    context = {
        "submission": submission,
        "receipt": receipt,
        "office_name": office_name,
        "orders": payment_selectors.orders_for_subject(
            subject_ref=f"submission:{submission.public_id}"
        ),
    }
    return render(request, "portal/matters/submission.html", context)


@login_required
def submission_upo(request: HttpRequest, public_id, fmt: str) -> HttpResponse:
    submission = _or_404(documents.submission_for(user=request.user, public_id=public_id))
    receipt = _or_404(documents.receipt_of(submission))
    name = f"UPO-{receipt.public_id}"
    if fmt == "xml":
        return _download(receipt.xml, filename=f"{name}.xml", content_type="application/xml")
    if fmt == "pdf" and receipt.has_pdf:
        return _download(receipt.pdf, filename=f"{name}.pdf", content_type="application/pdf")
    raise Http404


@login_required
def submission_document(request: HttpRequest, public_id) -> HttpResponse:
    content = _or_404(documents.submission_document(user=request.user, public_id=public_id))
    return _download(content, filename=f"wniosek-{public_id}.xml", content_type="application/xml")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(documents.inbox_for(request.user), 25).get_page(request.GET.get("strona"))
    return render(request, "portal/matters/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Reading a message. An official letter is opened with an explicit button: opening it
    issues the delivery receipt (UPD), so a link preview or a prefetch never does."""
    message = _or_404(documents.inbox_message_for(user=request.user, pk=pk))
    is_letter = message.letter_id is not None
    if request.method == "POST" or (not is_letter and message.read_at is None):
        try:
            message = document_services.inbox_open(user=request.user, message=message)
        except DomainError as exc:
            messages.error(request, exc.message)
        if request.method == "POST":
            return redirect("portal_inbox_message", pk=message.pk)
    released = documents.letter_released(user=request.user, message=message)
    return render(
        request, "portal/matters/message.html", {"message": message, "released": released}
    )


@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed letter, only once the reader's receipt is recorded (opening is a POST on the
    message page, so a link prefetch never records a delivery)."""
    message = _or_404(documents.inbox_message_for(user=request.user, pk=pk))
    if message.letter_id is None or not documents.letter_released(
        user=request.user, message=message
    ):
        raise Http404
    letter = message.letter.__class__.objects.get(pk=message.letter_id)
    return _download(
        letter.xml, filename=f"pismo-{letter.public_id}.xml", content_type="application/xml"
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(documents.cases_for(request.user), 25).get_page(request.GET.get("strona"))
    return render(request, "portal/matters/cases.html", {"page": page})


def _case_page(request: HttpRequest, case) -> HttpResponse:
    papers = documents.case_documents(case)
    decision = letters.decision_for(case)
    can_appeal = bool(
        decision
        and letters.appeal_open(
            decision=decision,
            today=timezone.localdate(),
            party=case.company if case.company_id else request.user,
        )
    )
    context = {
        "case": case,
        "history": documents.case_history(case),
        "show_clerk": bool(case.office.show_clerk_names and case.assignee_id),
        "incoming": papers["incoming"],
        "outgoing": papers["outgoing"],
        "orders": payment_selectors.orders_for_case(office_id=case.office_id, case_sign=case.sign),
        "decision": decision,
        "can_appeal": can_appeal,
        "appeals": documents.appeals_of(case=case),
    }
    return render(request, "portal/matters/case.html", context)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _or_404(documents.case_for(user=request.user, pk_or_sign=pk))
    return _case_page(request, case)


@login_required
@require_POST
def case_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a party's appeal against the case's decision (KPA art. 127): the appeal form,
    filled, signed and sent like any application, registered in the office's RPW."""
    case = _or_404(documents.case_for(user=request.user, pk_or_sign=pk))
    try:
        draft = replies.appeal_start(user=request.user, case=case)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_case", pk=case.pk)
    return redirect("portal_draft_step", pk=draft.pk, step=draft.steps[0]["key"])


@login_required
@require_POST
def case_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a reply or supplement in the case (the same filling, signing and receipt path),
    filled in with the case sign, the kind of letter and the account's addresses."""
    case = _or_404(documents.case_for(user=request.user, pk_or_sign=pk))
    try:
        draft = replies.reply_start(
            user=request.user, case=case, letter_public_id=request.POST.get("letter", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_case", pk=case.pk)
    return redirect("portal_draft_step", pk=draft.pk, step=draft.steps[0]["key"])
