"""Correspondents: found again by their identifiers (PESEL, NIP, account) and reused, or created.

Identifiers are checked with python-stdnum (checksums of REFERENCE §6) and stored compact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as nip_number
from stdnum.pl import pesel as pesel_number
from stdnum.pl import regon as regon_number

from offices.models import Office
from sekap import audit
from sekap.text import search_key

from ...errors import CorrespondentInvalid
from ...models import Correspondent, CorrespondentKind

ADE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")


@dataclass(frozen=True)
class CorrespondentDetails:
    """What a clerk or an intake knows about a sender; blank where unknown."""

    kind: str = CorrespondentKind.PERSON
    first_name: str = ""
    last_name: str = ""
    name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "PL"
    pesel: str = ""
    nip: str = ""
    regon: str = ""
    email: str = ""
    ade: str = ""


def _checked(details: CorrespondentDetails) -> CorrespondentDetails:
    """The details stripped, identifiers compacted and validated (CorrespondentInvalid)."""
    values = {f.name: str(getattr(details, f.name) or "").strip() for f in fields(details)}
    checks = (("pesel", pesel_number), ("nip", nip_number), ("regon", regon_number))
    for field, module in checks:
        if values[field]:
            try:
                values[field] = module.validate(values[field])
            except StdnumError as exc:
                raise CorrespondentInvalid(
                    _("%(field)s %(value)s is not a valid number.")
                    % {"field": field.upper(), "value": values[field]},
                    code=f"correspondent.{field}",
                ) from exc
    values["ade"] = values["ade"].upper()
    if values["ade"] and not ADE.match(values["ade"]):
        raise CorrespondentInvalid(
            _("An e-Doręczenia address looks like AE:PL-12345-67890-ABCDE-12."),
            code="correspondent.ade",
        )
    if values["kind"] not in CorrespondentKind.values:
        raise CorrespondentInvalid()
    if values["kind"] == CorrespondentKind.PERSON and not values["last_name"]:
        raise CorrespondentInvalid(_("Give the person's surname."), code="correspondent.name")
    if values["kind"] == CorrespondentKind.ORGANISATION and not values["name"]:
        raise CorrespondentInvalid(_("Give the organisation's name."), code="correspondent.name")
    return replace(details, **values)


def _search_text(c: Correspondent) -> str:
    words = (c.first_name, c.last_name, c.name, c.pesel, c.nip, c.regon, c.city, c.email)
    return search_key(" ".join(w for w in words if w))[:600]


def _existing(*, office: Office, details: CorrespondentDetails, account) -> Correspondent | None:
    rows = Correspondent.objects.filter(office=office)
    if details.pesel:
        found = rows.filter(pesel=details.pesel).first()
        if found:
            return found
    if details.nip:
        found = rows.filter(nip=details.nip).first()
        if found:
            return found
    if account is not None:
        return rows.filter(account=account).first()
    return None


def _fill_blanks(found: Correspondent, details: CorrespondentDetails, account, company) -> list:
    """Complete what the register did not know yet; known values are never overwritten."""
    changed = []
    for field in fields(details):
        value = getattr(details, field.name)
        if value and not getattr(found, field.name) and field.name != "kind":
            setattr(found, field.name, value)
            changed.append(field.name)
    for field, value in (("account", account), ("company", company)):
        if value is not None and getattr(found, f"{field}_id") is None:
            setattr(found, field, value)
            changed.append(field)
    return changed


@transaction.atomic
def correspondent_find_or_create(
    *,
    office: Office,
    details: CorrespondentDetails,
    actor,
    account=None,
    company=None,
) -> Correspondent:
    """The office's correspondent with these identifiers (completed with what is new), or a
    new one. Raises CorrespondentInvalid for a bad PESEL, NIP, REGON or e-Doręczenia address."""
    details = _checked(details)
    found = _existing(office=office, details=details, account=account)
    if found is not None:
        found = Correspondent.objects.select_for_update().get(pk=found.pk)
        changed = _fill_blanks(found, details, account, company)
        if changed:
            found.search_text = _search_text(found)
            found.save(update_fields=[*changed, "search_text"])
            audit.record(
                actor=actor,
                action="documents.correspondent_completed",
                target=found,
                after={"fields": changed},
            )
        return found
    values = {f.name: getattr(details, f.name) for f in fields(details)}
    row = Correspondent(
        office=office, account=account, company=company, created_at=timezone.now(), **values
    )
    row.search_text = _search_text(row)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # created by someone else a moment ago: reuse theirs
        found = _existing(office=office, details=details, account=account)
        if found is None:
            raise
        return found
    audit.record(
        actor=actor,
        action="documents.correspondent_created",
        target=row,
        after={"office": office.pk, "kind": row.kind, "account": account and account.pk},
    )
    return row


def _account_details(*, user, company) -> CorrespondentDetails:
    """What the register knows of a SEKAP account (or the company it acts for)."""
    if company is not None:
        return CorrespondentDetails(
            kind=CorrespondentKind.ORGANISATION,
            name=company.name[:300],
            nip=company.nip,
            regon=company.regon,
            street=company.address[:200],
        )
    verified = getattr(user, "is_identity_verified", False)
    return CorrespondentDetails(
        first_name=user.first_name,
        last_name=user.last_name or user.email,
        pesel=user.pesel if verified else "",
        email=user.email,
    )


def correspondent_for_account(*, office: Office, user, company=None, actor=None) -> Correspondent:
    """The correspondent who is this SEKAP account (or the company it acts for) in an office."""
    details = _account_details(user=user, company=company)
    if company is not None:
        existing = Correspondent.objects.filter(office=office, company=company).first()
        if existing is not None:
            return existing
        return correspondent_find_or_create(
            office=office, details=details, actor=actor, company=company
        )
    existing = Correspondent.objects.filter(office=office, account=user).first()
    if existing is not None:
        return existing
    return correspondent_find_or_create(office=office, details=details, actor=actor, account=user)


def _sender_key(user, company) -> tuple[str, int]:
    return ("company", company.pk) if company is not None else ("account", user.pk)


def correspondents_for_accounts(*, office: Office, senders: list[tuple]) -> list[Correspondent]:
    """:func:`correspondent_for_account` of each ``(user, company or None)`` in an office, in
    their order, by no actor: the known ones read in one query, the new ones created in one
    insert (one by one when one was created by someone else a moment ago)."""
    users = {user.pk for user, company in senders if company is None}
    companies = {company.pk for _user, company in senders if company is not None}
    known: dict[tuple[str, int], Correspondent] = {}
    rows = Correspondent.objects.filter(office=office).filter(
        Q(account_id__in=users) | Q(company_id__in=companies)
    )
    for row in rows:  # the model's order: the first of a company's, as .first() finds it
        if row.account_id in users:
            known.setdefault(("account", row.account_id), row)
        if row.company_id in companies:
            known.setdefault(("company", row.company_id), row)
    missing = {}
    for user, company in senders:
        if _sender_key(user, company) not in known:
            missing.setdefault(_sender_key(user, company), (user, company))
    if missing:
        known |= _created_for_accounts(office=office, senders=missing)
    return [known[_sender_key(user, company)] for user, company in senders]


def _created_for_accounts(*, office: Office, senders: dict) -> dict:
    """The correspondents of accounts the register has no row for (``senders``: by key): those
    whose PESEL or NIP it knows found and completed one by one, the others inserted together."""
    details = {
        key: _checked(_account_details(user=user, company=company))
        for key, (user, company) in senders.items()
    }
    pesels = {d.pesel for d in details.values() if d.pesel}
    nips = {d.nip for d in details.values() if d.nip}
    taken = set()
    if pesels or nips:
        rows = Correspondent.objects.filter(office=office)
        for pesel, nip in (
            rows.filter(Q(pesel__in=pesels) | Q(nip__in=nips))
            .order_by()
            .values_list("pesel", "nip")
        ):
            taken |= {("pesel", pesel), ("nip", nip)} - {("pesel", ""), ("nip", "")}
    found, new = {}, {}
    now = timezone.now()
    for key, known in details.items():
        user, company = senders[key]
        if ("pesel", known.pesel) in taken or ("nip", known.nip) in taken:
            found[key] = correspondent_for_account(office=office, user=user, company=company)
            continue
        values = {f.name: getattr(known, f.name) for f in fields(known)}
        row = Correspondent(
            office=office,
            account=user if company is None else None,
            company=company,
            created_at=now,
            **values,
        )
        row.search_text = _search_text(row)
        new[key] = row
    try:
        with transaction.atomic():
            Correspondent.objects.bulk_create(new.values())
    except IntegrityError:  # someone else created one a moment ago: one by one
        for key in new:
            user, company = senders[key]
            found[key] = correspondent_for_account(office=office, user=user, company=company)
        return found
    for row in new.values():
        audit.record(
            actor=None,
            action="documents.correspondent_created",
            target=row,
            after={"office": office.pk, "kind": row.kind, "account": row.account_id},
        )
    return found | new
