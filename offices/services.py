"""Changes to the registry. Each one is audited in the same transaction."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from sekap import audit
from sekap.accounts.models import UserKind
from sekap.errors import NotAllowed

from .errors import CpdRoleOutsideCpd, RoleNotAllowed
from .identity import identity_seed_rows, office_identities_seed
from .models import Department, Office, StaffMembership, StaffRole
from .privileges import staff_privileges_sync
from .selectors import cpd_office_terc, is_cpd_admin, user_manages_office
from .validators import terc_errors

DATA_DIR = Path(__file__).resolve().parent / "data"

# Roles that reach beyond the office (the CA, the whole platform): CPD administrators only.
PRIVILEGED_ROLES = frozenset({StaffRole.CA_OPERATOR, StaffRole.CPD_ADMIN})


def check_role_change(*, actor, office: Office, roles: set[str]) -> None:
    """Refuse a grant, change or withdrawal touching ``roles`` that ``actor`` may not make.

    ``actor=None`` is the system itself (seeding, data migrations): office scope is not checked,
    but a CPD role outside the CPD office is refused for everyone.
    """
    roles = {r for r in roles if r}
    if StaffRole.CPD_ADMIN in roles and office.terc != cpd_office_terc():
        raise CpdRoleOutsideCpd
    if actor is not None and roles & PRIVILEGED_ROLES and not is_cpd_admin(actor):
        raise RoleNotAllowed


def snapshot(obj) -> dict:
    """The audited view of a registry row: its editable fields."""
    data = model_to_dict(obj)
    data.pop("search_text", None)
    return data


@transaction.atomic
def registry_save(*, actor, obj, before: dict | None) -> None:
    """Save a registry row (office, department, deputy, day off) and audit the change."""
    office = obj if isinstance(obj, Office) else obj.office
    if not user_manages_office(actor, office):  # creating as well as changing
        raise NotAllowed
    created = obj.pk is None
    if isinstance(obj, StaffMembership):
        _check_membership_change(actor=actor, membership=obj)
    obj.full_clean()
    obj.save()
    if isinstance(obj, StaffMembership):
        staff_privileges_sync(user=obj.user, actor=actor)
    action = f"{obj._meta.label_lower}.{'created' if created else 'changed'}"
    audit.record(actor=actor, action=action, target=obj, before=before, after=snapshot(obj))


@transaction.atomic
def registry_delete(*, actor, obj) -> None:
    office = obj if isinstance(obj, Office) else obj.office
    if not user_manages_office(actor, office):
        raise NotAllowed
    if isinstance(obj, StaffMembership):
        check_role_change(actor=actor, office=obj.office, roles={obj.role})
    before = snapshot(obj)
    audit.record(actor=actor, action=f"{obj._meta.label_lower}.deleted", target=obj, before=before)
    obj.delete()
    if isinstance(obj, StaffMembership):
        staff_privileges_sync(
            user=obj.user,
            actor=actor,
            cpd_withdrawn=obj.role == StaffRole.CPD_ADMIN,
            admin_withdrawn=obj.role in (StaffRole.OFFICE_ADMIN, StaffRole.CPD_ADMIN),
        )


def _check_membership_change(*, actor, membership: StaffMembership) -> None:
    """The role before and after the change both count (demoting an operator is a change too)."""
    roles = {membership.role}
    if membership.pk is not None:
        stored = StaffMembership.objects.select_related("office").get(pk=membership.pk)
        roles.add(stored.role)
        if actor is not None and not user_manages_office(actor, stored.office):
            raise NotAllowed
    check_role_change(actor=actor, office=membership.office, roles=roles)


@transaction.atomic
def membership_grant(
    *, actor, user, office: Office, role: str, department: Department | None = None
) -> StaffMembership:
    if actor is not None and not user_manages_office(actor, office):
        raise NotAllowed
    check_role_change(actor=actor, office=office, roles={role})
    membership, created = StaffMembership.objects.get_or_create(
        user=user, office=office, department=department, role=role
    )
    if user.kind != UserKind.STAFF:
        user.kind = UserKind.STAFF
        user.save(update_fields=["kind"])
    staff_privileges_sync(user=user, actor=actor)  # is_staff too, while the membership is valid
    if created:
        audit.record(
            actor=actor,
            action="offices.staffmembership.created",
            target=membership,
            after=snapshot(membership),
        )
    return membership


# --- seed data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    renamed: int = 0  # offices given a new name-and-address version from the data file


@transaction.atomic
def offices_load_csv(*, path: Path | None = None, actor=None) -> SeedResult:
    """Create or update the offices from the registry file, then give them their names and
    addresses from ``office_identities.csv`` (idempotent)."""
    path = path or DATA_DIR / "offices.csv"
    names = {terc: row["official_name"] for terc, row in identity_seed_rows().items()}
    created = updated = 0
    with path.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            errors = terc_errors(row["terc"], row["kind"], row["gmina_type"])
            if errors:
                raise ValidationError(
                    _("%(file)s line %(line)d: %(errors)s")
                    % {"file": path.name, "line": line, "errors": "; ".join(errors)}
                )
            defaults = {
                "kind": row["kind"],
                "unit": row["unit"],
                "office_type": row["office"],
                "gmina_type": row["gmina_type"],
                "powiat": row["powiat"],
                "seat": row["seat"],
            }
            office = Office.objects.filter(terc=row["terc"]).first()
            if office is None:
                office = Office(
                    terc=row["terc"],
                    name=names.get(row["terc"], row["unit"]),
                    esp_address=f"/sekap-{row['terc']}/SkrytkaESP",
                    **defaults,
                )
                office.full_clean()
                office.save()
                audit.record(
                    actor=actor,
                    action="offices.office.created",
                    target=office,
                    after=snapshot(office),
                )
                created += 1
            elif any(getattr(office, k) != v for k, v in defaults.items()):
                before = snapshot(office)
                for key, value in defaults.items():
                    setattr(office, key, value)
                office.save()
                audit.record(
                    actor=actor,
                    action="offices.office.changed",
                    target=office,
                    before=before,
                    after=snapshot(office),
                )
                updated += 1
    renamed = office_identities_seed(actor=actor)
    return SeedResult(created, updated, renamed)


@transaction.atomic
def departments_seed_defaults(*, actor=None) -> int:
    """Give each office the standard departments of its kind that it does not have yet."""
    path = DATA_DIR / "default_departments.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    created = 0
    for office in Office.objects.all():
        existing = set(office.departments.values_list("symbol", flat=True))
        for row in rows:
            if office.kind in row["kinds"].split() and row["symbol"] not in existing:
                department = Department.objects.create(
                    office=office, symbol=row["symbol"], name=row["name"]
                )
                audit.record(
                    actor=actor,
                    action="offices.department.created",
                    target=department,
                    after=snapshot(department),
                )
                created += 1
    return created
