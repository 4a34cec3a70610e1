"""Cases with their signs (JRWA), status and the metryka (case events)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    """The state codes a workflow may use (stable: services, work lists and the portal rely on
    them; docs/workflow.md says what each means). A workflow version picks its states and the
    transitions between them from data; every workflow starts in ``open``."""

    OPEN = "open", _("received, waiting for a clerk")
    FORMAL_CHECK = "formal_check", _("formal check")
    IN_PROGRESS = "in_progress", _("being handled")
    WAITING = "waiting", _("waiting for the applicant")
    SUSPENDED = "suspended", _("suspended")
    OPINIONS = "opinions", _("waiting for opinions")
    DRAFTING = "drafting", _("decision being drafted")
    APPROVAL = "approval", _("decision awaiting approval")
    SIGNATURE = "signature", _("decision awaiting signature")
    DISPATCH = "dispatch", _("decision awaiting dispatch")
    SENT = "sent", _("decision sent, awaiting delivery")
    DELIVERED = "delivered", _("decision delivered, appeal period running")
    APPEALED = "appealed", _("appeal forwarded to the appeal body")
    FINAL = "final", _("decision final")
    UNEXAMINED = "unexamined", _("left unexamined")
    CLOSED = "closed", _("closed")


# States in which the office's work on the case has ended (no letters, no replies).
CLOSED_STATES = frozenset({CaseStatus.FINAL, CaseStatus.UNEXAMINED, CaseStatus.CLOSED})
# The same as a filter, in one fixed order: the work lists' partial indexes are defined by it
# and PostgreSQL uses them for a query whose condition is written the same way.
CLOSED_STATUSES = ("closed", "final", "unexamined")
OPEN_CASE = ~models.Q(status__in=CLOSED_STATUSES)


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
    # The applicant's account when they filed through the portal (None for paper items); who may
    # see the case is decided by its parties (CaseParty), not by this column.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("applicant"),
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # Written only by documents.services.workflow.case_transition.
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    workflow_version = models.ForeignKey(
        "WorkflowVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("workflow version"),
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
    # What search finds the case by: sign, title, parties and its documents' text, kept by
    # documents.services.search (full-text GIN index with unaccent on PostgreSQL, 0008).
    search_text = models.TextField(default="", blank=True, editable=False)

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
            models.Index(fields=["assignee", "status"], name="documents_case_assignee"),
            models.Index(fields=["office", "deadline"], name="documents_case_deadline"),
            # The work lists (documents.selectors.worklists): open cases only (a fifth of a
            # year's cases), in the lists' default order, so a page is the first rows of one
            # index range. The columns after ``id`` are what the visibility rule reads
            # (office, department, handler): the menu's capped counts are then index-only.
            models.Index(
                fields=["department", "deadline", "opened_at", "id", "office", "assignee"],
                condition=OPEN_CASE,
                name="documents_case_open_dept",
            ),
            models.Index(
                fields=["office", "deadline", "opened_at", "id", "department", "assignee"],
                condition=OPEN_CASE,
                name="documents_case_open_office",
            ),
            models.Index(
                fields=["assignee", "deadline", "opened_at", "id", "office", "department"],
                condition=OPEN_CASE,
                name="documents_case_open_assignee",
            ),
            models.Index(
                fields=[
                    "office",
                    "status",
                    "deadline",
                    "opened_at",
                    "id",
                    "department",
                    "assignee",
                ],
                condition=OPEN_CASE,
                name="documents_case_open_status",
            ),
            # (the handler is always empty here, but the visibility rule reads it: without it
            # the unassigned count was read from the handlers' index, across every office)
            models.Index(
                fields=["office", "opened_at", "id", "department", "assignee"],
                condition=OPEN_CASE & models.Q(assignee__isnull=True),
                name="documents_case_unassigned",
            ),
            # incoming (newest first) and search results (newest first) within an office
            models.Index(
                fields=["office", "-opened_at", "-id", "department", "assignee"],
                name="documents_case_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.sign

    @property
    def is_closed(self) -> bool:
        """The office's work on the case has ended (no letters, replies or steps)."""
        return self.status in CLOSED_STATES


class CaseEvent(models.Model):
    """One line of the metryka sprawy (append-only: the database refuses UPDATE and DELETE,
    migration 0007; only ``documents.services.history.case_event`` writes it)."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # The person's position in the office when they acted (the metryka names it).
    actor_position = models.CharField(max_length=200, blank=True)
    # A deputy acting during an absence: the person they stood in for ("X for Y").
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of_label = models.CharField(max_length=200, blank=True)
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
        from ..texts import event_text

        return event_text(action=self.action, params=self.params, stored=self.description)
