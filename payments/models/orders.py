"""Payment orders: one per fee, with a virtual account for bank transfers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import FeeAccount, FeeType


class OrderStatus(models.TextChoices):
    NEW = "new", _("to pay")
    PENDING = "pending", _("payment in progress")
    PAID = "paid", _("paid")
    FAILED = "failed", _("payment failed")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.PENDING, OrderStatus.FAILED)


class PaymentOrder(models.Model):
    # Unique and plain indexes are declared in ``Meta`` (PostgreSQL gets no second
    # ``varchar_pattern_ops`` index per column): a bank statement updates a hundred thousand
    # orders at once, and every index is written on each update.
    public_id = models.UUIDField(
        _("public identifier"), default=uuid.uuid4, unique=True, editable=False
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=150)
    # Indexed by ``payments_order_office`` (office, status).
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    account = models.ForeignKey(
        FeeAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="orders"
    )
    fee_type = models.CharField(_("kind of fee"), max_length=12, choices=FeeType.choices)
    # Indexed by ``payments_order_mine`` (payer, -created_at).
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        on_delete=models.PROTECT,
        related_name="payment_orders",
        db_index=False,
    )
    subject_ref = models.CharField(
        _("subject"),
        max_length=100,
        help_text=_("What the fee is for, as the issuing app names it, e.g. submission:<uuid>."),
    )
    case_sign = models.CharField(_("case sign"), max_length=40, blank=True)
    title = models.CharField(_("transfer title"), max_length=140)
    amount_grosze = models.PositiveBigIntegerField(_("amount (grosze)"))
    lines = models.JSONField(_("breakdown"), default=list)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.NEW
    )
    virtual_account = models.CharField(_("virtual account"), max_length=28, null=True, blank=True)
    called_to_pay_at = models.DateTimeField(_("called to pay at"), null=True, blank=True)
    # The call to pay (KPA art. 261 § 1) as the app that sent it names it (e.g. letter:<uuid>),
    # and the day it was delivered: the 7 days (``due_on``) run from that day.
    call_ref = models.CharField(_("call to pay"), max_length=100, blank=True)
    call_delivered_on = models.DateField(_("call delivered on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_grosze__gt=0), name="payments_order_positive"
            ),
            models.UniqueConstraint(fields=["idempotency_key"], name="payments_order_idempotency"),
            models.UniqueConstraint(fields=["virtual_account"], name="payments_order_virtual"),
        ]
        indexes = [
            models.Index(fields=["payer", "-created_at"], name="payments_order_mine"),
            models.Index(fields=["status", "due_on"], name="payments_order_open"),
            models.Index(fields=["office", "status"], name="payments_order_office"),
            models.Index(fields=["subject_ref"], name="payments_order_subject"),
            models.Index(fields=["case_sign"], name="payments_order_case_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.amount_grosze} gr)"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
