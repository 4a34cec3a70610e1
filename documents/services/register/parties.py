"""The parties of a case (KPA art. 28–33): applicant, party, representative, participant."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sekap import audit

from ...errors import CaseActionRefused
from ...models import Case, CaseParty, Correspondent, PartyRole
from ..history import case_event


def party_create(
    *,
    case: Case,
    correspondent: Correspondent,
    role: str,
    represents: CaseParty | None = None,
    served_via_platform: bool = False,
) -> CaseParty:
    """Record the party (inside the caller's transaction; the caller writes the history)."""
    _check(case=case, correspondent=correspondent, role=role, represents=represents)
    party, _created = CaseParty.objects.get_or_create(
        case=case,
        correspondent=correspondent,
        role=role,
        defaults={
            "represents": represents,
            "served_via_platform": served_via_platform,
            "added_at": timezone.now(),
        },
    )
    return party


def _check(
    *, case: Case, correspondent: Correspondent, role: str, represents: CaseParty | None
) -> None:
    if correspondent.office_id != case.office_id:
        raise CaseActionRefused(_("The correspondent belongs to another office's register."))
    if role not in PartyRole.values:
        raise CaseActionRefused()
    if (role == PartyRole.REPRESENTATIVE) != (represents is not None):
        raise CaseActionRefused(_("A representative represents one party of the same case."))
    if represents is not None and represents.case_id != case.pk:
        raise CaseActionRefused(_("A representative represents one party of the same case."))


def applicants_create(*, applicants: list[tuple[Case, Correspondent]]) -> list[CaseParty]:
    """The applicants of cases just opened, served through the platform, in one insert (as
    :func:`party_create` of each: a new case has no party to find again)."""
    now = timezone.now()
    parties = []
    for case, correspondent in applicants:
        _check(case=case, correspondent=correspondent, role=PartyRole.APPLICANT, represents=None)
        parties.append(
            CaseParty(
                case=case,
                correspondent=correspondent,
                role=PartyRole.APPLICANT,
                served_via_platform=True,
                added_at=now,
            )
        )
    return CaseParty.objects.bulk_create(parties)


@transaction.atomic
def case_party_add(
    *,
    case: Case,
    correspondent: Correspondent,
    role: str,
    actor,
    represents: CaseParty | None = None,
    served_via_platform: bool = False,
) -> CaseParty:
    """Add a correspondent to the case in a role; written to the metryka and the audit trail.
    Adding the same correspondent in the same role again changes nothing."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    existing = CaseParty.objects.filter(case=case, correspondent=correspondent, role=role).first()
    if existing is not None:
        return existing
    party = party_create(
        case=case,
        correspondent=correspondent,
        role=role,
        represents=represents,
        served_via_platform=served_via_platform,
    )
    case_event(
        case=case,
        action="party_added",
        params={"name": correspondent.display_name, "role": role},
        actor=actor,
    )
    audit.record(
        actor=actor,
        action="documents.party_added",
        target=case,
        after={
            "party": party.pk,
            "correspondent": correspondent.pk,
            "role": role,
            "represents": represents and represents.pk,
        },
    )
    return party
