"""The audit trail: append-only entries chained by SHA-256, one chain per office.

Each office's entries form their own chain (and the platform's, for everything not done in an
office, another), so writers in different offices never wait for one lock; each chain is
verified and anchored on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
PLATFORM_CHAIN = "platform"


def office_chain(office_id: int) -> str:
    return f"office:{office_id}"


class AuditEntry(models.Model):
    chain = models.CharField(_("chain"), max_length=40, default=PLATFORM_CHAIN)
    seq = models.BigIntegerField(_("sequence number"))
    created_at = models.DateTimeField(_("time"))
    # No database constraint: an entry outlives whatever it names and is never updated.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq} {self.action} {self.target_repr}"


class AuditHead(models.Model):
    """The newest link of one chain; its row lock serialises that chain's writers only. The
    row's id numbers the chain in anchors (the platform's chain is 1)."""

    key = models.CharField(max_length=40, unique=True, default=PLATFORM_CHAIN)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.key} #{self.seq} {self.hash[:12]}"
