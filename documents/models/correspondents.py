"""Correspondents (senders and addressees who need no SEKAP account) and the parties of a case.

A correspondent belongs to one office: each office keeps its own register of the people and
organisations it corresponds with (its own records under the records instruction, and no office
sees another's correspondents, RODO art. 5 ust. 1 lit. c). The same person writing to two offices
is two rows; a link to a SEKAP account or company ties them to the platform's identity.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CorrespondentKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation")


class Correspondent(models.Model):
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=CorrespondentKind.choices,
        default=CorrespondentKind.PERSON,
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    name = models.CharField(_("name of the organisation"), max_length=300, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    ade = models.CharField(_("e-Doręczenia address"), max_length=40, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correspondents",
        verbose_name=_("SEKAP account"),
    )
    company = models.ForeignKey(
        "accounts.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correspondents",
        verbose_name=_("company on SEKAP"),
    )
    # search_key() of the names, identifiers and town: what search-as-you-type matches.
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("correspondent")
        verbose_name_plural = _("correspondents")
        ordering = ["office", "last_name", "name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "pesel"],
                condition=~models.Q(pesel=""),
                name="documents_correspondent_pesel",
            ),
            models.UniqueConstraint(
                fields=["office", "nip"],
                condition=~models.Q(nip=""),
                name="documents_correspondent_nip",
            ),
            models.UniqueConstraint(
                fields=["office", "account"],
                condition=models.Q(account__isnull=False),
                name="documents_correspondent_account",
            ),
        ]
        indexes = [models.Index(fields=["office", "search_text"], name="documents_corr_search")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == CorrespondentKind.ORGANISATION:
            return self.name
        return f"{self.first_name} {self.last_name}".strip() or self.name

    @property
    def address(self) -> str:
        town = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (self.street, town) if part)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    PARTY = "party", _("party")
    REPRESENTATIVE = "representative", _("representative (power of attorney)")
    PARTICIPANT = "participant", _("participant")


class CaseParty(models.Model):
    """A correspondent's part in a case (KPA art. 28–33): who they are to the proceedings."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="parties")
    correspondent = models.ForeignKey(
        Correspondent, on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    represents = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="representatives",
        verbose_name=_("represents"),
    )
    # The party asked to be served through the SEKAP inbox (KPA art. 39¹ § 1 before e-Doręczenia).
    served_via_platform = models.BooleanField(_("served through the platform"), default=False)
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("case party")
        verbose_name_plural = _("case parties")
        ordering = ["case", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "correspondent", "role"], name="documents_case_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.correspondent} ({self.role})"
