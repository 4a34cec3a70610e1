"""Onboarding an office's staff and departments from a CSV file.

``staff_import_preview`` reads the file (UTF-8 with or without BOM, or Windows-1250 as Polish
spreadsheets export it; ``;`` or ``,`` between fields), checks every row against the registry
and the actor's authority, and says what applying it would do. ``staff_import_apply`` does
exactly that in one transaction, but only for the file that was previewed (its SHA-256) and
only if the registry has not changed the plan meanwhile (the plan's digest). One bad row
refuses the whole file: the result lists each bad row with its line number and the reason.

Each person created or changed and each department created or renamed gets one audit entry.
New accounts have no password: after commit the durable outbox sends them a link to set one.
A row with ``aktywny`` = 0 deactivates the person (``offices.leavers.staff_deactivate``).
Roles are added, never withdrawn, by a file: withdrawing a role is done in the registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from stdnum.pl import pesel as pesel_number

from sekap import audit
from sekap.accounts.models import User, UserKind
from sekap.errors import DomainError
from sekap.outbox.services import mail_queue
from sekap.site import public_url
from sekap.text import search_key

from .errors import CpdRoleOutsideCpd, RoleNotAllowed
from .leavers import staff_deactivate
from .models import Department, Deputy, Office, StaffMembership, StaffRole
from .privileges import staff_privileges_sync
from .selectors import cpd_office_terc, is_cpd_admin, user_manages_office
from .services import PRIVILEGED_ROLES
from .validators import validate_department_symbol

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# Column names as people write them (compared without case and diacritics) -> our key.
COLUMNS: dict[str, str] = {
    "urzad": "office",
    "teryt": "office",
    "terc": "office",
    "office": "office",
    "wydzial": "department",
    "symbol wydzialu": "department",
    "department": "department",
    "nazwa wydzialu": "department_name",
    "department name": "department_name",
    "imie": "first_name",
    "first name": "first_name",
    "nazwisko": "last_name",
    "last name": "last_name",
    "e-mail": "email",
    "email": "email",
    "adres e-mail": "email",
    "stanowisko": "position",
    "position": "position",
    "role": "roles",
    "rola": "roles",
    "roles": "roles",
    "pesel": "pesel",
    "aktywny": "active",
    "active": "active",
    "zastepca": "deputy",
    "deputy": "deputy",
    "nieobecnosc od": "absent_from",
    "absent from": "absent_from",
    "nieobecnosc do": "absent_to",
    "absent to": "absent_to",
}
REQUIRED = ("office", "first_name", "last_name", "email", "roles")

# Role names people write; the registry's codes are accepted as they are too.
ROLE_NAMES: dict[str, str] = {
    "referent": StaffRole.CLERK,
    "urzednik": StaffRole.CLERK,
    "kierownik": StaffRole.HEAD,
    "naczelnik": StaffRole.HEAD,
    "kancelaria": StaffRole.REGISTRY_CLERK,
    "podpisujacy": StaffRole.SIGNER,
    "administrator": StaffRole.OFFICE_ADMIN,
    "administrator urzedu": StaffRole.OFFICE_ADMIN,
    "operator ca": StaffRole.CA_OPERATOR,
    "archiwista": StaffRole.ARCHIVIST,
    "finanse": StaffRole.FINANCE,
    "administrator cpd": StaffRole.CPD_ADMIN,
    **{role.value: role.value for role in StaffRole},
}
# Roles held in a department (a head without a department heads the whole office).
DEPARTMENT_ROLES = frozenset({StaffRole.CLERK, StaffRole.HEAD, StaffRole.SIGNER})
NEEDS_DEPARTMENT = frozenset({StaffRole.CLERK, StaffRole.SIGNER})

TRUE_WORDS = frozenset({"", "1", "tak", "t", "yes", "y", "true"})
FALSE_WORDS = frozenset({"0", "nie", "n", "no", "false"})


class StaffImportRefused(DomainError):
    code = "offices.staff_import.refused"
    message = gettext_lazy("The file was not applied: correct the rows listed and try again.")


class StaffImportStale(DomainError):
    code = "offices.staff_import.stale"
    message = gettext_lazy(
        "The file or the registry has changed since the preview. Preview the file again."
    )


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class DepartmentChange:
    office: str
    symbol: str
    name: str
    action: str  # created | renamed | unchanged


@dataclass(frozen=True)
class PersonChange:
    line: int
    email: str
    name: str
    office: str
    action: str  # created | changed | unchanged | deactivated
    changes: tuple[str, ...] = ()
    roles: tuple[tuple[str, str], ...] = ()  # (role, department symbol) to add


@dataclass
class ImportPlan:
    sha256: str
    errors: list[RowError] = field(default_factory=list)
    departments: list[DepartmentChange] = field(default_factory=list)
    people: list[PersonChange] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def digest(self) -> str:
        """Names what applying would do: equal digests, equal effects."""
        body = json.dumps(
            {
                "departments": [asdict(d) for d in self.departments],
                "people": [asdict(p) for p in self.people],
            },
            sort_keys=True,
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def count(self, action: str) -> int:
        return sum(1 for p in self.people if p.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "people_created": self.count("created"),
            "people_changed": self.count("changed"),
            "people_unchanged": self.count("unchanged"),
            "people_deactivated": self.count("deactivated"),
            "departments_created": sum(1 for d in self.departments if d.action == "created"),
            "departments_renamed": sum(1 for d in self.departments if d.action == "renamed"),
        }

    def as_json(self) -> dict:
        return {
            "sha256": self.sha256,
            "digest": self.digest,
            "ok": self.ok,
            "summary": self.summary,
            "errors": [asdict(e) for e in self.errors],
            "departments": [asdict(d) for d in self.departments],
            "people": [{**asdict(p), "changes": list(p.changes)} for p in self.people],
        }


# --- reading the file ---------------------------------------------------------------------


def decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1250."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1250")


def _read(content: bytes, plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    try:
        text = decode(content)
    except UnicodeDecodeError:
        plan.errors.append(
            RowError(1, _("The file is neither UTF-8 nor Windows-1250 text. Save it as CSV."))
        )
        return []
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        plan.errors.append(RowError(1, _("The file is empty.")))
        return []
    keys: list[str | None] = []
    for name in header:
        key = COLUMNS.get(search_key(name.replace("_", " ")))
        if key is None and name.strip():
            plan.errors.append(RowError(1, _("Unknown column “%(name)s”.") % {"name": name}))
        if key is not None and key in keys:
            plan.errors.append(RowError(1, _("Column “%(name)s” repeats.") % {"name": name}))
        keys.append(key)
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        plan.errors.append(
            RowError(1, _("Required columns missing: %(names)s.") % {"names": ", ".join(missing)})
        )
    if plan.errors:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            plan.errors.append(
                RowError(line, _("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
            )
            break
        if len(values) > len(keys):
            plan.errors.append(
                RowError(line, _("The row has more fields than the header has columns."))
            )
            continue
        row = {k: "" for k in keys if k}
        for key, value in zip(keys, values, strict=False):
            if key:
                row[key] = value.strip()
        rows.append((line, row))
    if not rows and not plan.errors:
        plan.errors.append(RowError(1, _("The file has a header but no rows.")))
    return rows


def _roles(text: str) -> tuple[list[str], list[str]]:
    known, unknown = [], []
    for word in re.split(r"[|,+/]", text):
        word = search_key(word.replace("_", " "))
        if not word:
            continue
        role = ROLE_NAMES.get(word) or ROLE_NAMES.get(word.replace(" ", "_"))
        (known if role else unknown).append(role or word)
    return list(dict.fromkeys(known)), unknown


def _date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --- checking and planning -----------------------------------------------------------------


@dataclass
class _Known:
    """What the registry holds for the file's people, read once: positions by (e-mail, office,
    department symbol, role) and absences as (principal, office, deputy, from, to)."""

    positions: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    absences: set[tuple] = field(default_factory=set)


@dataclass
class _Person:
    line: int
    row: dict[str, str]
    office: Office
    email: str
    roles: list[str]
    active: bool


def staff_import_preview(*, content: bytes, actor: User | None) -> ImportPlan:
    """What applying ``content`` would do, or why it is refused (every bad row)."""
    plan = ImportPlan(sha256=hashlib.sha256(content).hexdigest())
    if len(content) > MAX_BYTES:
        plan.errors.append(RowError(1, _("The file is larger than 2 MB.")))
        return plan
    rows = _read(content, plan)
    if plan.errors:
        return plan
    tercs = {row["office"] for _line, row in rows}
    offices = {o.terc: o for o in Office.objects.filter(terc__in=tercs)}
    emails = {row["email"].lower() for _line, row in rows}
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    departments = {
        (d.office.terc, d.symbol): d
        for d in Department.objects.filter(office__terc__in=tercs).select_related("office")
    }
    memberships: dict[str, set[tuple[str, str, str]]] = {}
    held = _Known()
    for m in StaffMembership.objects.filter(user__in=users.values()).values_list(
        "user__email", "office__terc", "department__symbol", "role", "position"
    ):
        memberships.setdefault(m[0].lower(), set()).add((m[1], m[2] or "", m[3]))
        held.positions[(m[0].lower(), m[1], m[2] or "", m[3])] = m[4]
    for d in Deputy.objects.filter(principal__in=users.values()).values_list(
        "principal__email", "office__terc", "deputy__email", "valid_from", "valid_to"
    ):
        held.absences.add((d[0].lower(), d[1], d[2].lower(), d[3], d[4]))
    may_manage: dict[str, bool] = {}
    seen_emails: dict[str, int] = {}
    seen_pesels: dict[str, int] = {}
    department_names: dict[tuple[str, str], tuple[int, str]] = {}
    people: list[_Person] = []

    def fail(line: int, message: str) -> None:
        plan.errors.append(RowError(line, message))

    for line, row in rows:
        errors_before = len(plan.errors)
        terc = row["office"]
        office = offices.get(terc)
        if office is None:
            fail(line, _("No office with the TERYT code “%(terc)s”.") % {"terc": terc})
        elif actor is not None:
            if terc not in may_manage:
                may_manage[terc] = is_cpd_admin(actor) or user_manages_office(actor, office)
            if not may_manage[terc]:
                fail(
                    line,
                    _("You may not manage the staff of the office %(terc)s.") % {"terc": terc},
                )
        email = row["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            fail(line, _("“%(email)s” is not a valid e-mail address.") % {"email": row["email"]})
        else:
            if email in seen_emails:
                fail(
                    line,
                    _("The e-mail %(email)s is already on line %(first)d of the file.")
                    % {"email": email, "first": seen_emails[email]},
                )
            seen_emails.setdefault(email, line)
            existing = users.get(email)
            if existing is not None and existing.kind != UserKind.STAFF:
                fail(
                    line,
                    _(
                        "The e-mail %(email)s belongs to a citizen's or business account; "
                        "a member of staff needs their own official address."
                    )
                    % {"email": email},
                )
        for key, label in (("first_name", _("first name")), ("last_name", _("last name"))):
            if not row[key]:
                fail(line, _("The %(field)s is empty.") % {"field": label})
            elif len(row[key]) > 150:
                fail(line, _("The %(field)s is too long.") % {"field": label})
        if len(row.get("position", "")) > 200:
            fail(line, _("The position is longer than 200 characters."))
        roles, unknown = _roles(row["roles"])
        if unknown:
            fail(
                line,
                _("Unknown role: %(roles)s. Known roles: %(known)s.")
                % {"roles": ", ".join(unknown), "known": ", ".join(StaffRole.values)},
            )
        elif not roles:
            fail(line, _("No role given."))
        if office is not None:
            if StaffRole.CPD_ADMIN in roles and terc != cpd_office_terc():
                fail(line, str(CpdRoleOutsideCpd.message))
            if actor is not None and set(roles) & PRIVILEGED_ROLES and not is_cpd_admin(actor):
                fail(line, str(RoleNotAllowed.message))
        symbol = row.get("department", "").upper()
        if symbol:
            try:
                validate_department_symbol(symbol)
            except ValidationError as exc:
                fail(line, " ".join(exc.messages))
            else:
                name = row.get("department_name", "")
                if len(name) > 200:
                    fail(line, _("The department's name is longer than 200 characters."))
                known = department_names.get((terc, symbol))
                if name and known and known[1] and known[1] != name:
                    fail(
                        line,
                        _(
                            "Department %(symbol)s is named “%(other)s” on line %(first)d and "
                            "“%(name)s” here."
                        )
                        % {"symbol": symbol, "other": known[1], "first": known[0], "name": name},
                    )
                if not known or (name and not known[1]):
                    department_names[(terc, symbol)] = (line, name)
                unknown_department = (terc, symbol) not in departments and not name
                if office is not None and unknown_department and not known:
                    fail(
                        line,
                        _(
                            "Office %(terc)s has no department %(symbol)s; give its name in "
                            "the department name column to create it."
                        )
                        % {"terc": terc, "symbol": symbol},
                    )
        elif set(roles) & NEEDS_DEPARTMENT:
            fail(line, _("A clerk or signer needs a department (its symbol)."))
        pesel = row.get("pesel", "")
        if pesel:
            if not pesel_number.is_valid(pesel):
                fail(line, _("“%(pesel)s” is not a valid PESEL number.") % {"pesel": pesel})
            elif pesel in seen_pesels:
                fail(
                    line,
                    _("The PESEL is already on line %(first)d of the file.")
                    % {"first": seen_pesels[pesel]},
                )
            seen_pesels.setdefault(pesel, line)
        active_text = search_key(row.get("active", ""))
        if active_text not in TRUE_WORDS | FALSE_WORDS:
            fail(line, _("“Active” must be 1 or 0 (tak or nie)."))
        active = active_text not in FALSE_WORDS
        if not active and email not in users:
            fail(line, _("There is no account %(email)s to deactivate.") % {"email": email})
        if len(plan.errors) == errors_before and office is not None:
            people.append(_Person(line, row, office, email, roles, active))

    # Deputies name someone of the file or an existing member of the same office.
    in_file = {(p.office.terc, p.email) for p in people}
    for person in people:
        _check_absence(person, in_file, memberships, fail)
    if plan.errors:
        plan.errors.sort(key=lambda e: e.line)
        return plan

    for (terc, symbol), (_line, name) in sorted(department_names.items()):
        existing_department = departments.get((terc, symbol))
        if existing_department is None:
            plan.departments.append(DepartmentChange(terc, symbol, name, "created"))
        elif name and existing_department.name != name:
            plan.departments.append(DepartmentChange(terc, symbol, name, "renamed"))
        else:
            plan.departments.append(
                DepartmentChange(terc, symbol, existing_department.name, "unchanged")
            )
    for person in people:
        plan.people.append(_person_change(person, users.get(person.email), memberships, held))
    plan.rows = [
        {"line": p.line, "office": p.office.terc, "email": p.email, **p.row} for p in people
    ]
    return plan


def _check_absence(person: _Person, in_file, memberships, fail) -> None:
    row = person.row
    deputy = row.get("deputy", "").lower()
    start, end = row.get("absent_from", ""), row.get("absent_to", "")
    if not (deputy or start or end):
        return
    if not (deputy and start and end):
        fail(person.line, _("An absence needs the deputy's e-mail and both dates."))
        return
    start_day, end_day = _date(start), _date(end)
    if start_day is None or end_day is None:
        fail(person.line, _("Write the absence dates as YYYY-MM-DD or DD.MM.YYYY."))
    elif end_day < start_day:
        fail(person.line, _("The absence ends before it starts."))
    if deputy == person.email:
        fail(person.line, _("A person cannot stand in for themselves."))
        return
    terc = person.office.terc
    known = (terc, deputy) in in_file or any(m[0] == terc for m in memberships.get(deputy, set()))
    if not known:
        fail(
            person.line,
            _("The deputy %(email)s does not work in the office %(terc)s.")
            % {"email": deputy, "terc": terc},
        )


def _row_memberships(row: dict[str, str]) -> list[tuple[str, str]]:
    """(role, department symbol) the row asks for; office-wide roles have no department."""
    symbol = row.get("department", "").upper()
    return [(role, symbol if role in DEPARTMENT_ROLES else "") for role in _roles(row["roles"])[0]]


def _person_change(person: _Person, user: User | None, memberships, known: _Known) -> PersonChange:
    row = person.row
    name = f"{row['first_name']} {row['last_name']}"
    terc = person.office.terc
    wanted = _row_memberships(person.row)
    if user is None:
        return PersonChange(person.line, person.email, name, terc, "created", (), tuple(wanted))
    if not person.active:
        action = "deactivated" if user.is_active else "unchanged"
        return PersonChange(person.line, person.email, name, terc, action)
    held = memberships.get(person.email, set())
    new_roles = tuple((role, symbol) for role, symbol in wanted if (terc, symbol, role) not in held)
    changes: list[str] = []
    for key in ("first_name", "last_name"):
        if getattr(user, key) != row[key]:
            changes.append(f"{key}: {getattr(user, key)} → {row[key]}")
    if row.get("pesel") and user.pesel != row["pesel"]:
        changes.append("pesel")
    if not user.is_active:
        changes.append("is_active: False → True")
    position = row.get("position", "")
    if position:
        stored = {
            known.positions[(person.email, terc, symbol, role)]
            for role, symbol in wanted
            if (person.email, terc, symbol, role) in known.positions
        }
        if stored != {position}:
            changes.append(f"position: {', '.join(sorted(stored)) or '—'} → {position}")
    for role, symbol in new_roles:
        changes.append(f"+{role}" + (f" ({symbol})" if symbol else ""))
    absence = _absence(row)
    if absence and _absence_key(person.email, terc, absence) not in known.absences:
        changes.append(f"deputy: {absence[0]} {absence[1]:%Y-%m-%d}–{absence[2]:%Y-%m-%d}")
    action = "changed" if changes else "unchanged"
    return PersonChange(person.line, person.email, name, terc, action, tuple(changes), new_roles)


def _absence(row: dict[str, str]) -> tuple[str, dt.date, dt.date] | None:
    if not row.get("deputy"):
        return None
    start, end = _date(row["absent_from"]), _date(row["absent_to"])
    assert start is not None and end is not None  # checked by the preview
    return row["deputy"].lower(), start, end


def _absence_window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the first day to the end of the last, in the office's time."""
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _absence_key(email: str, terc: str, absence: tuple[str, dt.date, dt.date]) -> tuple:
    return (email, terc, absence[0], *_absence_window(absence[1], absence[2]))


def _absence_exists(user: User, terc: str, absence: tuple[str, dt.date, dt.date]) -> bool:
    start, end = _absence_window(absence[1], absence[2])
    return Deputy.objects.filter(
        office__terc=terc,
        principal=user,
        deputy__email__iexact=absence[0],
        valid_from=start,
        valid_to=end,
    ).exists()


# --- applying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    created: int
    changed: int
    deactivated: int
    departments_created: int


@transaction.atomic
def staff_import_apply(
    *, content: bytes, actor: User | None, sha256: str, digest: str
) -> ImportResult:
    """Apply the previewed file: the same bytes (``sha256``) with the same effects (``digest``)."""
    plan = staff_import_preview(content=content, actor=actor)
    if not plan.ok:
        raise StaffImportRefused()
    if plan.sha256 != sha256 or plan.digest != digest:
        raise StaffImportStale()
    offices = {o.terc: o for o in Office.objects.filter(terc__in={p.office for p in plan.people})}
    departments: dict[tuple[str, str], Department] = {
        (d.office.terc, d.symbol): d
        for d in Department.objects.select_for_update()
        .filter(office__in=offices.values())
        .select_related("office")
    }
    for change in plan.departments:
        key = (change.office, change.symbol)
        if change.action == "created":
            department = Department(office=offices[change.office], symbol=change.symbol)
            department.name = change.name
            department.full_clean()
            department.save()
            departments[key] = department
            audit.record(
                actor=actor,
                action="offices.department.created",
                target=department,
                after=_department_snapshot(department),
            )
        elif change.action == "renamed":
            department = departments[key]
            before = _department_snapshot(department)
            department.name = change.name
            department.save(update_fields=["name"])
            audit.record(
                actor=actor,
                action="offices.department.changed",
                target=department,
                before=before,
                after=_department_snapshot(department),
            )
    rows = {r["line"]: r for r in plan.rows}
    created_users: list[User] = []
    # first every account (a deputy may be a person created further down the file) ...
    accounts: list[tuple[PersonChange, User, dict | None]] = []
    for change in plan.people:
        if change.action == "unchanged":
            continue
        row = rows[change.line]
        office = offices[change.office]
        if change.action == "deactivated":
            user = User.objects.get(email__iexact=change.email)
            staff_deactivate(user=user, actor=actor, reason="staff_import")
            continue
        user = User.objects.select_for_update().filter(email__iexact=change.email).first()
        before = _person_snapshot(user, office) if user else None
        if user is None:
            user = User.objects.create_user(
                change.email,
                None,
                first_name=row["first_name"],
                last_name=row["last_name"],
                kind=UserKind.STAFF,
                pesel=row.get("pesel", ""),
            )
            created_users.append(user)
        else:
            user.first_name, user.last_name = row["first_name"], row["last_name"]
            if row.get("pesel"):
                user.pesel = row["pesel"]
            user.is_active = True
            user.kind = UserKind.STAFF
        user.save()  # is_staff follows an administrator's membership (staff_privileges_sync)
        accounts.append((change, user, before))
    # ... then their roles, positions and absences, each person audited once
    for change, user, before in accounts:
        row = rows[change.line]
        office = offices[change.office]
        _apply_roles(change, user, office, row, departments, actor=actor)
        audit.record(
            actor=actor,
            action="offices.staff_import.created"
            if change.action == "created"
            else "offices.staff_import.changed",
            target=user,
            before=before,
            after={**_person_snapshot(user, office), "file_sha256": plan.sha256},
        )
    for user in created_users:
        _queue_activation_mail(user)
    return ImportResult(
        plan=plan,
        created=plan.count("created"),
        changed=plan.count("changed"),
        deactivated=plan.count("deactivated"),
        departments_created=plan.summary["departments_created"],
    )


def _apply_roles(
    change: PersonChange,
    user: User,
    office: Office,
    row: dict[str, str],
    departments: dict[tuple[str, str], Department],
    *,
    actor: User | None,
) -> None:
    for role, symbol in change.roles:
        StaffMembership.objects.create(
            user=user,
            office=office,
            department=departments[(office.terc, symbol)] if symbol else None,
            role=role,
            position=row.get("position", ""),
        )
    if row.get("position"):
        wanted = set(_row_memberships(row))
        held = StaffMembership.objects.filter(user=user, office=office)
        for membership in held.select_related("department"):
            key = (
                membership.role,
                membership.department.symbol if membership.department_id else "",
            )
            if key in wanted and membership.position != row["position"]:
                membership.position = row["position"]
                membership.save(update_fields=["position"])
    staff_privileges_sync(user=user, actor=actor)
    absence = _absence(row)
    if absence and not _absence_exists(user, office.terc, absence):
        start, end = _absence_window(absence[1], absence[2])
        Deputy.objects.create(
            office=office,
            principal=user,
            deputy=User.objects.get(email__iexact=absence[0]),
            valid_from=start,
            valid_to=end,
            reason=_("absence (staff import)"),
        )


def _department_snapshot(department: Department) -> dict:
    return {
        "office": department.office_id,
        "symbol": department.symbol,
        "name": department.name,
        "is_active": department.is_active,
    }


def _person_snapshot(user: User, office: Office) -> dict:
    memberships = sorted(
        f"{m.role}:{m.department.symbol if m.department_id else ''}:{m.position}"
        for m in StaffMembership.objects.filter(user=user, office=office).select_related(
            "department"
        )
    )
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "pesel_set": bool(user.pesel),
        "office": office.terc,
        "memberships": memberships,
    }


def _queue_activation_mail(user: User) -> None:
    """A link to set the first password, queued in this transaction and sent after commit."""
    path = reverse(
        "portal_password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with override(settings.LANGUAGE_CODE):
        mail_queue(
            to=user.email,
            topic=f"offices.staff_activation:{user.pk}",
            subject=_("SEKAP: your staff account"),
            body=_(
                "An account in SEKAP has been created for you as a member of office staff.\n\n"
                "Set your password: %(url)s\n\nAfter logging in you will set up the second "
                "factor (an authenticator app) that staff pages require."
            )
            % {"url": public_url(path)},
        )


def refused_lines(plan: ImportPlan) -> Iterable[str]:
    """``line N: reason`` for each bad row, for the command line."""
    for error in plan.errors:
        yield _("line %(line)d: %(message)s") % {"line": error.line, "message": error.message}
