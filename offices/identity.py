"""The office's official name, its organ and its contact data, kept as versions.

``office_identity_change`` is the one writer: it locks the office, adds a new version valid
from now, points the office at it, copies the official name to ``Office.name`` (used for
ordering, search and display across the apps) and audits the change, all in one
transaction. Versions are never edited or deleted, so whatever was sealed with a name (a
UPO, a letter) can be told apart from the name the office carries today.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sekap import audit
from sekap.errors import NotAllowed

from .models import Office, OfficeIdentity
from .selectors import user_manages_office

DATA_FILE = Path(__file__).resolve().parent / "data" / "office_identities.csv"


def office_identity_current(office: Office) -> OfficeIdentity:
    """The version in force, read from the database (not from a possibly stale instance).
    An office made without one (by hand, in a test) gets an unsaved, unconfirmed version
    carrying only its name."""
    latest = OfficeIdentity.objects.filter(office_id=office.pk).order_by("-valid_from").first()
    return latest or OfficeIdentity(office=office, official_name=office.name, city=office.seat)


def identity_unchanged(*, office: Office, version: OfficeIdentity) -> bool:
    """True when ``version`` says exactly what the office's current version says."""
    if office.identity_id is None:
        return False
    return office.identity.content() == version.content()


@transaction.atomic
def office_identity_change(
    *, actor, office: Office, version: OfficeIdentity, from_seed: bool = False
) -> OfficeIdentity:
    """Make ``version`` (unsaved) the office's name and address from now on.

    ``actor`` is None only for the seed data; a person must manage the office.
    """
    if actor is not None and not user_manages_office(actor, office):
        raise NotAllowed
    office = Office.objects.select_for_update().get(pk=office.pk)
    if identity_unchanged(office=office, version=version):
        raise ValidationError(_("Nothing changed compared with the version in force."))
    previous = office.identity
    now = timezone.now()
    if previous is not None and now <= previous.valid_from:  # a clock step back
        now = previous.valid_from + dt.timedelta(microseconds=1)
    version.pk = None
    version.office = office
    version.valid_from = now
    version.from_seed = from_seed
    version.created_by = actor
    version.full_clean()
    version.save(force_insert=True)
    office.identity = version
    office.name = version.official_name
    office.save(update_fields=["identity", "name", "search_text"])
    audit.record(
        actor=actor,
        action="offices.office.identity_changed",
        target=office,
        before=previous.content() if previous else None,
        after={**version.content(), "version": version.pk},
    )
    return version


def identity_seed_rows() -> dict[str, dict[str, str]]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return {row["terc"]: row for row in csv.DictReader(handle)}


def _version_from(row: dict[str, str], office: Office) -> OfficeIdentity:
    return OfficeIdentity(
        official_name=row["official_name"],
        organ_name=row["organ_name"],
        name_verified=row["name_verified"] == "yes",
        street=row["street"],
        postal_code=row["postal_code"],
        city=row["city"] or office.seat,
        phone=row["phone"],
        email=row["email"],
        opening_hours=row["opening_hours"].replace(" | ", "\n"),
        contact_verified=row["contact_verified"] == "yes",
        source=row["source"],
    )


def office_identities_seed(*, actor=None) -> int:
    """Give each office the name and address of the data file; return how many changed.

    An office whose version in force was made by a person keeps it: the seed only fills
    in offices that have no version yet or still carry a seeded one that differs.
    """
    rows = identity_seed_rows()
    changed = 0
    for office in Office.objects.filter(terc__in=rows).select_related("identity"):
        current = office.identity
        if current is not None and not current.from_seed:
            continue
        version = _version_from(rows[office.terc], office)
        if identity_unchanged(office=office, version=version):
            continue
        office_identity_change(actor=actor, office=office, version=version, from_seed=True)
        changed += 1
    return changed
