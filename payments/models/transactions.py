"""Money movements of an order: payments (gateway attempts and transfers), refunds, and the raw
log of every gateway notification received, accepted or not."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .orders import PaymentOrder


class Channel(models.TextChoices):
    GATEWAY = "gateway", _("online payment")
    TRANSFER = "transfer", _("bank transfer")
    CASH = "cash", _("cash desk")


class PaymentStatus(models.TextChoices):
    STARTED = "started", _("started")
    PENDING = "pending", _("pending")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed")
    ABANDONED = "abandoned", _("abandoned")
    REFUNDED = "refunded", _("refunded")


class Payment(models.Model):
    """One payment of an order: an attempt at a gateway (our ``public_id`` is the order id we
    give the gateway) or a credit found on a bank statement."""

    public_id = models.UUIDField(
        _("public identifier"), default=uuid.uuid4, unique=True, editable=False
    )
    order = models.ForeignKey(
        PaymentOrder,
        verbose_name=_("payment order"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    external_id = models.CharField(
        _("provider's reference"), max_length=100, blank=True, default=""
    )
    amount_grosze = models.PositiveBigIntegerField(_("amount (grosze)"))
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.STARTED
    )
    redirect_url = models.URLField(_("payment page address"), max_length=1000, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer's account"), max_length=34, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "gateway", "external_id"],
                condition=~Q(external_id=""),
                name="payments_payment_external",
            ),
            models.CheckConstraint(
                condition=Q(amount_grosze__gt=0), name="payments_payment_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payments_payment_poll")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.public_id} {self.status}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    DONE = "done", _("refunded")
    FAILED = "failed", _("failed")


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_grosze = models.PositiveBigIntegerField(_("amount (grosze)"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    external_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_grosze__gt=0), name="payments_refund_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.amount_grosze} {self.status}"


class NotificationVerdict(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    DUPLICATE = "duplicate", _("duplicate (already applied)")
    STALE = "stale", _("older than the state already known")
    BAD_SIGNATURE = "bad_signature", _("refused: bad signature")
    WRONG_AMOUNT = "wrong_amount", _("refused: amount differs")
    UNKNOWN = "unknown", _("refused: unknown payment")
    MALFORMED = "malformed", _("refused: malformed")


class GatewayNotification(models.Model):
    """Every notification as received (exact bytes), with what was made of it."""

    gateway = models.CharField(_("gateway"), max_length=20)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.BinaryField(_("body"))
    verdict = models.CharField(_("verdict"), max_length=14, choices=NotificationVerdict.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )

    class Meta:
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.verdict}"
