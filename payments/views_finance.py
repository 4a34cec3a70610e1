"""Back office for an office's finance clerks: credits to match, daily and monthly totals, the
CSV export for the accounting system, and refunds. Only the office's finance clerks and
administrators (``selectors.finance_office``) see any of it; everyone else gets 403."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from . import selectors
from .models import FeeType
from .services import finance

QUEUE_LIMIT = 200


def _office(request: HttpRequest, terc: str):
    office = selectors.finance_office(user=request.user, terc=terc)
    if office is None:
        raise PermissionDenied
    return office


class AssignForm(forms.Form):
    order = forms.CharField(
        label=gettext_lazy("Order: its virtual account or case sign"),
        max_length=40,
        help_text=gettext_lazy("For example 32 1020 2401 4201 0000 0000 0102 or AB.6730.15.2026."),
    )


class DismissForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why this credit pays no fee"), max_length=300, min_length=3
    )


def _blank_forms(credit) -> tuple[AssignForm, DismissForm]:
    return AssignForm(prefix=f"c{credit.pk}"), DismissForm(prefix=f"d{credit.pk}")


def _credit(office, request: HttpRequest):
    raw = request.POST.get("credit", "")
    credit = selectors.credit_to_match(office=office, pk=int(raw)) if raw.isdigit() else None
    if credit is None:
        raise Http404
    return credit


@staff_required
@require_http_methods(["GET", "POST"])
def credits_queue(request: HttpRequest, terc: str) -> HttpResponse:
    office = _office(request, terc)
    forms_for: dict[int, tuple[AssignForm, DismissForm]] = {}
    if request.method == "POST":
        credit = _credit(office, request)
        action = request.POST.get("action")
        assign = AssignForm(request.POST if action == "assign" else None, prefix=f"c{credit.pk}")
        dismiss = DismissForm(request.POST if action == "dismiss" else None, prefix=f"d{credit.pk}")
        forms_for[credit.pk] = (assign, dismiss)
        try:
            if action == "assign" and assign.is_valid():
                order = selectors.order_for_credit(
                    credit=credit, reference=assign.cleaned_data["order"]
                )
                if order is None:
                    assign.add_error("order", _("No single order of this account fits."))
                else:
                    finance.credit_assign(credit=credit, order=order, actor=request.user)
                    messages.success(request, _("The credit has been applied to the order."))
                    return redirect("payments:finance_queue", terc=office.terc)
            elif action == "dismiss" and dismiss.is_valid():
                finance.credit_dismiss(
                    credit=credit, note=dismiss.cleaned_data["note"], actor=request.user
                )
                messages.success(request, _("The credit has been set aside."))
                return redirect("payments:finance_queue", terc=office.terc)
        except DomainError as exc:
            assign.add_error(None, exc.message)
    credits = list(selectors.credits_to_match(office=office)[:QUEUE_LIMIT])
    rows = [
        (
            credit,
            *forms_for.get(
                credit.pk, (AssignForm(prefix=f"c{credit.pk}"), DismissForm(prefix=f"d{credit.pk}"))
            ),
        )
        for credit in credits
    ]
    status = 400 if forms_for else 200
    return render(
        request,
        "payments/finance_queue.html",
        {"office": office, "rows": rows, "limit": QUEUE_LIMIT},
        status=status,
    )


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        today = timezone.localdate()
        return today.replace(day=1)


@staff_required
def totals(request: HttpRequest, terc: str) -> HttpResponse:
    office = _office(request, terc)
    month = _month(request.GET.get("month", ""))
    kinds = dict(FeeType.choices)
    return render(
        request,
        "payments/finance_totals.html",
        {
            "office": office,
            "month": month,
            "days": selectors.totals_table(
                selectors.daily_totals(office=office, month=month), key="day", kinds=list(kinds)
            ),
            "months": selectors.totals_table(
                selectors.monthly_totals(office=office, year=month.year),
                key="month",
                kinds=list(kinds),
            ),
            "kinds": kinds,
        },
    )


def _day(text: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return default


EXPORT_COLUMNS = [
    "receipt_number",
    "settled_on",
    "fee_type",
    "account",
    "virtual_account",
    "order",
    "case_sign",
    "title",
    "payer",
    "payer_account",
    "channel",
    "gateway",
    "bank_reference",
    "amount_grosze",
    "amount_pln",
]


@staff_required
def export_csv(request: HttpRequest, terc: str) -> HttpResponse:
    """Payments settled in a period, one row each (columns in docs/decisions/payments.md)."""
    office = _office(request, terc)
    today = timezone.localdate()
    start = _day(request.GET.get("from", ""), today.replace(day=1))
    end = _day(request.GET.get("to", ""), today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sekap-{office.terc}-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in selectors.export_rows(office=office, start=start, end=end):
        writer.writerow([row[column] for column in EXPORT_COLUMNS])
    return response


class RefundOrderForm(forms.Form):
    order = forms.CharField(
        label=gettext_lazy("Paid order: its virtual account or case sign"), max_length=40
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        initial=gettext_lazy("application returned"),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def refunds(request: HttpRequest, terc: str) -> HttpResponse:
    office = _office(request, terc)
    form = RefundOrderForm(request.POST if request.POST.get("action") == "refund" else None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "sent":
        raw = request.POST.get("refund", "")
        refund = (
            selectors.office_refunds(office=office).filter(pk=raw).first()
            if raw.isdigit()
            else None
        )
        if refund is None:
            raise Http404
        try:
            finance.refund_sent(refund=refund, actor=request.user)
            messages.success(request, _("The refund is recorded as sent."))
            return redirect("payments:finance_refunds", terc=office.terc)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 409
    elif request.method == "POST" and form.is_valid():
        order = selectors.office_order(office=office, reference=form.cleaned_data["order"])
        if order is None:
            form.add_error("order", _("No single order of this office fits."))
        else:
            try:
                finance.order_refund(
                    order=order, reason=form.cleaned_data["reason"], actor=request.user
                )
                messages.success(request, _("The refund has been requested."))
                return redirect("payments:finance_refunds", terc=office.terc)
            except DomainError as exc:
                form.add_error(None, exc.message)
    if form.errors:
        status = 400
    return render(
        request,
        "payments/finance_refunds.html",
        {
            "office": office,
            "form": form,
            "refunds": list(selectors.office_refunds(office=office)[:QUEUE_LIMIT]),
        },
        status=status,
    )
