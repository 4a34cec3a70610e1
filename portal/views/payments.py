"""The citizen's payments: what is due, paying by gateway or transfer, receipts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payments import selectors
from payments.gateways import enabled_gateways
from payments.qr import transfer_qr_svg
from payments.receipts import receipt_pdf
from payments.services import payment_refresh, payment_start
from sekap.errors import DomainError

GATEWAY_LABELS = {
    "sandbox": "Bank testowy SEKAP (BLIK)",
    "autopay": "Autopay (przelew online, BLIK, karta)",
    "payu": "PayU (przelew online, BLIK, karta)",
}


def _order_or_404(request: HttpRequest, public_id):
    order = selectors.order_of_payer(payer=request.user, public_id=public_id)
    if order is None:
        raise Http404
    return order


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.orders_of_payer(payer=request.user)
    page = Paginator(orders, 25).get_page(request.GET.get("strona"))
    return render(request, "portal/payments/list.html", {"page": page})


@login_required
def order_detail(request: HttpRequest, public_id) -> HttpResponse:
    order = _order_or_404(request, public_id)
    names = enabled_gateways()
    default = settings.PAYMENTS_DEFAULT_GATEWAY
    context = {
        "order": order,
        "gateways": [(name, GATEWAY_LABELS.get(name, name)) for name in names],
        "default_gateway": default if default in names else (names[0] if names else ""),
        "qr_svg": transfer_qr_svg(order=order) if order.is_open else "",
        "receipts": selectors.receipts_of_order(order=order),
    }
    return render(request, "portal/payments/order.html", context)


def _absolute(request: HttpRequest, path: str) -> str:
    base = settings.SITE_URL.rstrip("/") if settings.SITE_URL else ""
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@login_required
@require_POST
def order_pay(request: HttpRequest, public_id) -> HttpResponse:
    order = _order_or_404(request, public_id)
    name = request.POST.get("gateway", "")
    if name not in enabled_gateways():
        messages.error(request, _("Choose how you want to pay."))
        return redirect("portal_payment", public_id=order.public_id)
    try:
        payment = payment_start(
            order=order,
            payer=request.user,
            gateway_name=name,
            return_url=_absolute(request, reverse("portal_payment_return", args=[order.public_id])),
            notify_url=_absolute(request, reverse("payments:notification", args=[name])),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal_payment", public_id=order.public_id)
    return redirect(payment.redirect_url)


@login_required
def order_return(request: HttpRequest, public_id) -> HttpResponse:
    """Back from the gateway: ask the gateway itself (never trust the browser's word)."""
    order = _order_or_404(request, public_id)
    latest = order.payments.filter(channel="gateway").order_by("-created_at").first()
    if latest is not None:
        payment_refresh(payment=latest)
    order.refresh_from_db()
    if order.status == "paid":
        messages.success(request, _("Thank you: the fee is paid."))
    elif order.status == "pending":
        messages.info(request, _("The payment is being processed; this page will show the result."))
    else:
        messages.warning(request, _("The fee has not been paid. You can try again."))
    return redirect("portal_payment", public_id=order.public_id)


@login_required
def payment_receipt(request: HttpRequest, public_id) -> HttpResponse:
    payment = selectors.payment_of_payer(payer=request.user, public_id=public_id)
    if payment is None or payment.status not in ("paid", "refunded"):
        raise Http404
    response = HttpResponse(receipt_pdf(payment=payment), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="potwierdzenie-{payment.receipt_number.replace("/", "-")}.pdf"'
    )
    return response
