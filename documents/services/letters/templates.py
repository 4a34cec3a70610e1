"""Letter templates: versions (draft -> published, never changed after) and filling in the
case and party fields by plain substitution.

A field is written ``{{ case.sign }}``. Only the names in ``FIELDS`` exist; text outside the
braces is copied as it is, so nothing a person wrote is ever run as a template.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from offices.identity import office_identity_current
from offices.models import Office
from offices.selectors import user_manages_office
from sekap import audit
from sekap.datetimes import polish_date
from sekap.errors import NotAllowed

from ...errors import TemplateInvalid
from ...models import Case, CaseParty, LetterTemplate, LetterTemplateVersion, PartyRole

FIELDS: dict[str, str] = {
    "case.sign": gettext_noop("case sign"),
    "case.title": gettext_noop("case title"),
    "case.started_on": gettext_noop("date the proceedings started"),
    "service.title": gettext_noop("service"),
    "applicant.name": gettext_noop("applicant's name"),
    "parties": gettext_noop("the parties' names"),
    "office.name": gettext_noop("the office's name"),
    "organ": gettext_noop("the organ"),
    "today": gettext_noop("today's date"),
}

_FIELD = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
_TEXT_FIELDS = ("title", "legal_basis", "ruling", "reasons", "body")


def unknown_fields(text: str) -> list[str]:
    return sorted({name for name in _FIELD.findall(text) if name not in FIELDS})


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with every known ``{{ field }}`` replaced by its value."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _applicant_name(case: Case) -> str:
    user = case.applicant
    return (user.get_full_name() or user.email) if user is not None else ""


# A party's role as a decision names it (KPA art. 107 § 1: "oznaczenie strony lub stron").
ROLE_WORDS = {
    PartyRole.APPLICANT: "wnioskodawca",
    PartyRole.PARTY: "strona",
    PartyRole.PARTICIPANT: "uczestnik na prawach strony",
}


def party_names(case: Case) -> list[dict[str, str]]:
    """The parties a decision names: every party of the case (applicant, party, participant
    on the rights of a party) with their address and representative, from the case's
    correspondents; a case with no recorded parties names its applicant (and company)."""
    parties = list(
        CaseParty.objects.filter(case=case).select_related("correspondent").order_by("pk")
    )
    representatives = {
        p.represents_id: p.correspondent.display_name
        for p in parties
        if p.role == PartyRole.REPRESENTATIVE and p.represents_id
    }
    named = [
        {
            "name": p.correspondent.display_name,
            "address": p.correspondent.address,
            "role": ROLE_WORDS[p.role],
            "representative": representatives.get(p.pk, ""),
        }
        for p in parties
        if p.role in ROLE_WORDS
    ]
    if named:
        return named
    names = (
        [{"name": _applicant_name(case), "address": "", "role": ROLE_WORDS["applicant"]}]
        if case.applicant_id
        else []
    )
    if case.company_id:
        names.append({"name": case.company.name, "address": "", "role": ROLE_WORDS["party"]})
    return names


def case_values(*, case: Case, today: dt.date) -> dict[str, str]:
    identity = office_identity_current(case.office)
    return {
        "case.sign": case.sign,
        "case.title": case.title,
        "case.started_on": polish_date(case.started_on),
        "service.title": case.service.title,
        "applicant.name": _applicant_name(case),
        "parties": ", ".join(p["name"] for p in party_names(case)),
        "office.name": identity.official_name,
        "organ": identity.organ_name or identity.official_name,
        "today": polish_date(today),
    }


def _check_admin(*, actor, office: Office) -> None:
    if not user_manages_office(actor, office):
        raise NotAllowed()


def _check_text(values: dict[str, str]) -> None:
    for name in _TEXT_FIELDS:
        bad = unknown_fields(values.get(name, ""))
        if bad:
            raise TemplateInvalid(
                _("Unknown fields: %(fields)s. Use only the fields listed.")
                % {"fields": ", ".join("{{ " + b + " }}" for b in bad)}
            )


@transaction.atomic
def template_version_save(
    *, template: LetterTemplate, actor, content: dict
) -> LetterTemplateVersion:
    """Write the template's draft version (a new draft after the newest published one)."""
    _check_admin(actor=actor, office=template.office)
    _check_text(content)
    template = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    draft = template.versions.filter(status=LetterTemplateVersion.Status.DRAFT).first()
    if draft is None:
        last = template.versions.aggregate(n=Max("number"))["n"] or 0
        draft = LetterTemplateVersion(
            template=template, number=last + 1, created_at=timezone.now(), created_by=actor
        )
    for name, value in content.items():
        setattr(draft, name, value)
    draft.save()
    audit.record(
        actor=actor,
        action="documents.template_saved",
        target=draft,
        after={"template": template.pk, "number": draft.number},
    )
    return draft


@transaction.atomic
def template_version_publish(*, version: LetterTemplateVersion, actor) -> LetterTemplateVersion:
    version = LetterTemplateVersion.objects.select_for_update().get(pk=version.pk)
    _check_admin(actor=actor, office=version.template.office)
    if version.status != LetterTemplateVersion.Status.DRAFT:
        raise TemplateInvalid(_("This version is published already."))
    if version.template.kind == "decision" and not (
        version.legal_basis.strip() and version.ruling.strip() and version.appeal_body.strip()
    ):
        raise TemplateInvalid(
            _("A decision template needs the legal basis, the ruling and the appeal body.")
        )
    version.status = LetterTemplateVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor,
        action="documents.template_published",
        target=version,
        after={"template": version.template_id, "number": version.number},
    )
    return version


def templates_published(*, office: Office, kind: str) -> list[LetterTemplateVersion]:
    """The newest published version of each of the office's templates of ``kind``."""
    newest: dict[int, LetterTemplateVersion] = {}
    for version in (
        LetterTemplateVersion.objects.filter(
            template__office=office,
            template__kind=kind,
            status=LetterTemplateVersion.Status.PUBLISHED,
        )
        .select_related("template")
        .order_by("template__name", "-number")
    ):
        newest.setdefault(version.template_id, version)
    return list(newest.values())
