"""Correspondence and cases: the offices' electronic mailboxes (ESP), receipts, the incoming
register (RPW), cases with their signs and metryka, letters and the applicants' inboxes.

Evidence (submitted documents, receipts, sealed letters) is stored as exact bytes with their
SHA-256 and never rewritten.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PORTAL = "portal", _("portal")
    API = "api", _("API")


class Stage(models.IntegerChoices):
    """Where a submission is in the intake pipeline (ordered)."""

    RECEIVED = 0, _("received")
    SIGNATURE_CHECKED = 10, _("signature checked")
    REGISTERED = 20, _("registered")
    CASE_OPENED = 30, _("case opened")
    COMPLETED = 40, _("completed")


class Submission(models.Model):
    """A signed document filed with an office through its electronic mailbox."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitter"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "offices.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    form_version = models.ForeignKey(
        "forms_platform.FormVersion",
        verbose_name=_("form version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply_to = models.ForeignKey(
        "Case",
        verbose_name=_("reply in case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )
    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=100)
    document = models.BinaryField(_("signed document"))
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(_("received at"))

    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.RECEIVED)
    intake_due_at = models.DateTimeField(
        help_text="When the sweeper dispatches the intake again if it has not completed."
    )
    intake_attempts = models.PositiveIntegerField(default=0)
    intake_error = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    signature_indication = models.CharField(max_length=20, blank=True)
    signature_sub_indication = models.CharField(max_length=60, blank=True)
    signature_report = models.JSONField(null=True, blank=True)
    signature_checked_at = models.DateTimeField(null=True, blank=True)
    needs_attention = models.BooleanField(_("needs a clerk's attention"), default=False)
    attention_reason = models.CharField(max_length=300, blank=True)

    case = models.ForeignKey(
        "Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )

    # ESP pull by the office's own document system
    esp_confirmed_at = models.DateTimeField(null=True, blank=True)
    esp_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    esp_confirmed_token = models.ForeignKey(
        "EspToken",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "idempotency_key"], name="documents_submission_idempotency"
            )
        ]
        indexes = [
            models.Index(fields=["stage", "intake_due_at"], name="documents_sub_sweep"),
            models.Index(
                fields=["office", "esp_confirmed_at", "received_at"], name="documents_esp"
            ),
            models.Index(fields=["submitter", "-received_at"], name="documents_sub_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.public_id})"

    @property
    def signature_passed(self) -> bool:
        return self.signature_indication == "TOTAL_PASSED"


class ReceiptKind(models.TextChoices):
    UPP = "UPP", _("official confirmation of submission (UPP)")
    UPD = "UPD", _("official confirmation of delivery (UPD)")


class Receipt(models.Model):
    """An official receipt (UPO): UPP for a submission, UPD for a letter the addressee opened."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=3, choices=ReceiptKind.choices)
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    submission = models.OneToOneField(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="receipt"
    )
    letter = models.OneToOneField(
        "Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="receipt"
    )
    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    pdf = models.BinaryField(null=True, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    pdf_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("official receipt")
        verbose_name_plural = _("official receipts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="UPP", submission__isnull=False, letter__isnull=True)
                    | models.Q(kind="UPD", submission__isnull=True, letter__isnull=False)
                ),
                name="documents_receipt_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class RegisterCounter(models.Model):
    """The last RPW number given by an office in a year (locked while allocating)."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="documents_rpw_counter")
        ]

    def __str__(self) -> str:
        return f"RPW {self.office_id}/{self.year}: {self.last_number}"


class RegisterEntry(models.Model):
    """An entry of the office's incoming register (rejestr przesyłek wpływających)."""

    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="register_entry"
    )
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))
    sender = models.CharField(_("sender"), max_length=300)
    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(_("channel"), max_length=20, default="ESP")
    department = models.ForeignKey(
        "offices.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("routed to"),
    )

    class Meta:
        verbose_name = _("incoming register entry")
        verbose_name_plural = _("incoming register entries")
        ordering = ["office", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="documents_rpw_unique"
            )
        ]

    def __str__(self) -> str:
        return self.rpw

    @property
    def rpw(self) -> str:
        return f"RPW/{self.number}/{self.year}"


class CaseCounter(models.Model):
    """The spis spraw counter: last case number per department, JRWA class and year."""

    department = models.ForeignKey("offices.Department", on_delete=models.PROTECT, related_name="+")
    jrwa_symbol = models.CharField(max_length=4)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "jrwa_symbol", "year"], name="documents_case_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id}.{self.jrwa_symbol}.{self.year}: {self.last_number}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("received, waiting for a clerk")
    IN_PROGRESS = "in_progress", _("being handled")
    WAITING = "waiting", _("waiting for the applicant")
    CLOSED = "closed", _("closed")


class Case(models.Model):
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    department = models.ForeignKey(
        "offices.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    service = models.ForeignKey(
        "offices.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    jrwa_symbol = models.CharField(_("JRWA class"), max_length=4)
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    sign = models.CharField(_("case sign"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("applicant"),
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    deadline_rule = models.CharField(_("deadline rule"), max_length=12)
    started_on = models.DateField(_("proceedings started on"))
    deadline = models.DateField(_("legal deadline"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("handled by"),
    )
    opened_at = models.DateTimeField(_("opened at"))
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "jrwa_symbol", "year", "number"],
                name="documents_case_number",
            ),
            # a sign is unique within its office (another office may use the same symbols)
            models.UniqueConstraint(fields=["office", "sign"], name="documents_case_sign"),
        ]
        indexes = [
            models.Index(fields=["office", "department", "status"], name="documents_case_queue"),
        ]

    def __str__(self) -> str:
        return self.sign


class CaseEvent(models.Model):
    """One line of the metryka sprawy (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    description = models.CharField(max_length=500)  # the Polish text of record
    # The values of the sentence (documents.texts); None on rows written before they existed.
    params = models.JSONField(null=True, blank=True)
    document_ref = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.sign} {self.action}"

    @property
    def text(self) -> str:
        """The history line in the reader's (active) language."""
        from .texts import event_text

        return event_text(action=self.action, params=self.params, stored=self.description)


class LetterKind(models.TextChoices):
    LETTER = "letter", _("letter")
    DECISION = "decision", _("decision")
    CALL_TO_SUPPLEMENT = "supplement", _("call to supplement")


class Letter(models.Model):
    """An official letter sent to the applicant's inbox, sealed with the office seal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("kind"), max_length=12, choices=LetterKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("content"))
    supplement_due = models.DateField(_("supplement due"), null=True, blank=True)
    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letters"
    )
    sent_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.title


class MessageKind(models.TextChoices):
    RECEIPT = "receipt", _("official receipt")
    LETTER = "letter", _("letter")
    DECISION = "decision", _("decision")
    CALL_TO_SUPPLEMENT = "supplement", _("call to supplement")
    NOTICE = "notice", _("notice")


class InboxMessage(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inbox"
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    title = models.CharField(max_length=300)  # as sent (Polish for platform notices)
    body = models.TextField(blank=True)
    # A platform notice (documents.texts.NOTICE_TEXTS) and its values, shown in the reader's
    # language; blank/None for official letters, receipts and notices written before them.
    notice = models.CharField(max_length=40, blank=True)
    params = models.JSONField(null=True, blank=True)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter = models.OneToOneField(
        Letter, null=True, blank=True, on_delete=models.PROTECT, related_name="message"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="documents_inbox_unread")]

    def __str__(self) -> str:
        return self.title

    def _shown(self) -> tuple[str, str]:
        from .texts import notice_text

        return notice_text(notice=self.notice, params=self.params, title=self.title, body=self.body)

    @property
    def display_title(self) -> str:
        return self._shown()[0]

    @property
    def display_body(self) -> str:
        return self._shown()[1]


class EspToken(models.Model):
    """A machine account of one office's own document system (EZD) for the ESP pull API.

    Only the SHA-256 of the secret is stored (the secret has 256 random bits, so a plain hash
    cannot be guessed back); the secret is shown once, when it is issued. Revoked tokens stay
    as the record of who used the API.
    """

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("beginning of the token"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ESP machine token")
        verbose_name_plural = _("ESP machine tokens")
        ordering = ["office", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
