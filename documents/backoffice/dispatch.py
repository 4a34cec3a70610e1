"""The outgoing book (dispatch register) of an office: letters sent per channel and period, the
post's list of registered items, printable DL envelopes, and the return receipts recorded.

Thin: the reads are ``documents.selectors`` and the writes ``documents.services.delivery``.
Only staff of the office see its book; another office's deliveries answer 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offices.identity import office_identity_current
from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from .. import selectors
from ..forms import DispatchFilterForm, PaperReceiptForm
from ..models import DeliveryChannel
from ..services.delivery import paper_receipt_record

PAGE = 50


def _office_and_period(request: HttpRequest):
    offices = selectors.dispatch_offices(staff=request.user)
    form = DispatchFilterForm(request.GET or None, offices=offices)
    today = timezone.localdate()
    office, start, end, channel = None, today, today, DeliveryChannel.PAPER
    if form.is_bound and form.is_valid():
        office = form.cleaned_data["urzad"]
        start = form.cleaned_data["od"] or today
        end = form.cleaned_data["do"] or start
        channel = form.cleaned_data["kanal"] or DeliveryChannel.PAPER
    if office is None:
        office = offices.first()
    if office is None:
        raise Http404
    return form, office, start, end, channel


@staff_required
def dispatch_book(request: HttpRequest) -> HttpResponse:
    form, office, start, end, channel = _office_and_period(request)
    rows = selectors.dispatch_book(office=office, channel=channel, start=start, end=end)
    page = Paginator(rows, PAGE).get_page(request.GET.get("strona"))
    return render(
        request,
        "documents/dispatch_book.html",
        {
            "form": form,
            "office": office,
            "start": start,
            "end": end,
            "channel": channel,
            "page": page,
            "offset": (page.number - 1) * PAGE,
            "receipt_form": PaperReceiptForm(),
            "query": request.GET.urlencode(),
        },
    )


@staff_required
def post_list(request: HttpRequest) -> HttpResponse:
    """The list handed to the post with the day's registered letters (with return receipt)."""
    _form, office, start, end, _channel = _office_and_period(request)
    rows = list(
        selectors.dispatch_book(office=office, channel=DeliveryChannel.PAPER, start=start, end=end)
    )
    return render(
        request,
        "documents/dispatch_post_list.html",
        {
            "office": office,
            "identity": office_identity_current(office),
            "start": start,
            "end": end,
            "rows": rows,
        },
    )


def _delivery(request: HttpRequest, public_id: str):
    delivery = selectors.dispatch_delivery(staff=request.user, public_id=public_id)
    if delivery is None:
        raise Http404
    return delivery


@staff_required
def envelope(request: HttpRequest, public_id: str) -> HttpResponse:
    """A DL envelope (110 × 220 mm) with the address in the window, to print."""
    delivery = _delivery(request, public_id)
    if delivery.channel != DeliveryChannel.PAPER:
        raise Http404
    return render(
        request,
        "documents/dispatch_envelope.html",
        {"delivery": delivery, "identity": office_identity_current(delivery.office)},
    )


@staff_required
@require_POST
def paper_receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    delivery = _delivery(request, public_id)
    form = PaperReceiptForm(request.POST)
    back = request.POST.get("back", "")
    # back to the same page of the book (a query string only, appended to our own path)
    target = f"{reverse('documents:dispatch_book')}?{back}" if back else None
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target or "documents:dispatch_book")
    returned = form.cleaned_data["kind"] == "returned"
    day: dt.date = form.cleaned_data["date"]
    try:
        paper_receipt_record(
            delivery=delivery,
            actor=request.user,
            date=None if returned else day,
            returned=returned,
            first_notice_on=day if returned else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The return receipt was recorded."))
    return redirect(target or "documents:dispatch_book")
