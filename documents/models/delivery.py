"""Delivery of official letters with legal effect: one row per letter and addressee.

The channel is chosen per addressee (e-Doręczenia, paper post incl. the hybrid service, or the
platform's own delivery under the old ePUAP rule). The proofs the channel gives back (dowód
wysłania / dowód otrzymania, the platform's UPD) are stored as the exact signed bytes with their
SHA-256 and never rebuilt. ``delivered_on`` is the legal delivery date from which deadlines run;
``due_at`` is the next moment the beat sweep must look at the row (a due-date column, never a
broker countdown). Status changes go through ``documents.services.delivery.delivery_transition``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sekap.storage import StoredBytesField


class DeliveryChannel(models.TextChoices):
    EDORECZENIA = "edoreczenia", _("e-Doręczenia (public registered electronic delivery)")
    PAPER = "paper", _("paper post (incl. the hybrid service)")
    PLATFORM = "platform", _("SEKAP platform delivery (ePUAP rule)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    AVAILABLE = "available", _("waiting in the addressee's box")
    SECOND_NOTICE = "second_notice", _("notified again")
    DELIVERED = "delivered", _("delivered")
    DEEMED = "deemed", _("deemed delivered")
    FAILED = "failed", _("not sent")


class DeliveryRule(models.TextChoices):
    """The provision that fixed the delivery date (stated in the letter and its record)."""

    UDE_COLLECTED = "ude_42_1", _("collected from the e-Doręczenia box (art. 42 ust. 1 UDE)")
    UDE_DEEMED = (
        "ude_42_2",
        _("deemed delivered the day after 14 days from arrival (art. 42 ust. 2 UDE)"),
    )
    POST_RECEIVED = "kpa_42", _("handed over by the post (art. 42–43 KPA)")
    POST_DEEMED = "kpa_44", _("deemed delivered after 14 days from the first notice (art. 44 KPA)")
    PLATFORM_OPENED = "epuap_upd", _("opened in the SEKAP inbox, confirmed by a UPD")
    PLATFORM_DEEMED = (
        "epuap_14",
        _("deemed delivered after 14 days from the first notice (ePUAP rule, old art. 46 § 4 KPA)"),
    )


class Delivery(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    letter = models.ForeignKey("Letter", on_delete=models.PROTECT, related_name="deliveries")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    # Who it is for: the case party (the party itself or its representative, KPA art. 40 § 2),
    # the SEKAP account that reaches them if any, and the addressee as written on the letter.
    party = models.ForeignKey(
        "CaseParty", null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField(_("addressee"), max_length=300)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    ade = models.CharField(_("e-Doręczenia address"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=DeliveryChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    rule = models.CharField(_("delivery rule"), max_length=10, choices=DeliveryRule.choices,
                            blank=True)  # fmt: skip
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("available in the box at"), null=True, blank=True)
    first_notice_at = models.DateTimeField(_("first notice at"), null=True, blank=True)
    second_notice_at = models.DateTimeField(_("second notice at"), null=True, blank=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deemed_at = models.DateTimeField(_("deemed delivered at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    copy_opened_at = models.DateTimeField(_("platform copy opened at"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # the channel's own identifier of the item (e-Doręczenia message id, postal tracking number)
    provider_ref = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sending_proof = StoredBytesField(kind="delivery-proofs", null=True, blank=True)
    sending_proof_sha256 = models.CharField(max_length=64, blank=True)
    receipt_proof = StoredBytesField(kind="delivery-proofs", null=True, blank=True)
    receipt_proof_sha256 = models.CharField(max_length=64, blank=True)
    receipt = models.ForeignKey(
        "Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "party"],
                condition=models.Q(party__isnull=False),
                name="documents_delivery_letter_party",
            ),
        ]
        indexes = [
            models.Index(
                fields=["office", "channel", "dispatched_at"], name="documents_delivery_book"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} → {self.recipient_name} ({self.channel}, {self.status})"

    @property
    def is_delivered(self) -> bool:
        return self.delivered_on is not None
