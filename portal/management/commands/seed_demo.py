"""Demo accounts for a local installation (idempotent); prints the logins."""

from __future__ import annotations

import base64
import json
import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from documents.services import intake_process
from forms_platform.definition import iter_fields
from forms_platform.seeding import seed_files
from offices.models import Department, Office, Service, StaffRole
from offices.services import membership_grant
from portal.models import Draft
from portal.services import drafts
from sekap.accounts.models import User, UserKind, VerificationMethod
from sekap.accounts.services import IdentityDocument, identity_verify

CREDENTIALS_FILE = "demo_logins.json"

# (email, first name, last name, kind, office TERC or "", role, department, PESEL); the department
# is a symbol, or "@<form slug>": the department that handles that form's service at the office
# (where the demo application below is routed), so the demo clerks always find it.
DEMO_PEOPLE = [
    (
        "cpd@sekap.example",
        "Celina",
        "Adminowska",
        UserKind.STAFF,
        "24",
        StaffRole.CPD_ADMIN,
        "",
        "",
    ),
    (
        "admin.gliwice@sekap.example",
        "Adam",
        "Gliwicki",
        UserKind.STAFF,
        "2466011",
        StaffRole.OFFICE_ADMIN,
        "",
        "",
    ),
    (
        "kancelaria.gliwice@sekap.example",
        "Krystyna",
        "Podawcza",
        UserKind.STAFF,
        "2466011",
        StaffRole.REGISTRY_CLERK,
        "KA",
        "",
    ),
    (
        "urzednik.gliwice@sekap.example",
        "Urszula",
        "Referentka",
        UserKind.STAFF,
        "2466011",
        StaffRole.CLERK,
        "@wniosek-o-zaswiadczenie",
        "",
    ),
    (
        "kierownik.gliwice@sekap.example",
        "Kamil",
        "Naczelnik",
        UserKind.STAFF,
        "2466011",
        StaffRole.HEAD,
        "@wniosek-o-zaswiadczenie",
        "",
    ),
    (
        "admin.pszczyna@sekap.example",
        "Paweł",
        "Pszczyński",
        UserKind.STAFF,
        "2410053",
        StaffRole.OFFICE_ADMIN,
        "",
        "",
    ),
    (
        "urzednik.pszczyna@sekap.example",
        "Patrycja",
        "Urzędnicza",
        UserKind.STAFF,
        "2410053",
        StaffRole.CLERK,
        "@informacja-publiczna",
        "",
    ),
    (
        "operator.cc@sekap.example",
        "Olga",
        "Certyfikacka",
        UserKind.STAFF,
        "24",
        StaffRole.CA_OPERATOR,
        "CC",
        "",
    ),
    ("jan.kowalski@sekap.example", "Jan", "Kowalski", UserKind.CITIZEN, "", "", "", "44051401359"),
    ("anna.nowak@sekap.example", "Anna", "Nowak", UserKind.CITIZEN, "", "", "", ""),
]

# Applications the demo citizen has filed, so that every demo clerk finds a case in their queue:
# (citizen, office TERC, form slug). The catalogue routes certificates and public information
# to OR and general letters to KA (offices/data/service_routing.csv).
DEMO_APPLICATIONS = [
    ("jan.kowalski@sekap.example", "2466011", "wniosek-o-zaswiadczenie"),  # Gliwice OR
    ("jan.kowalski@sekap.example", "2466011", "pismo-ogolne"),  # Gliwice KA (registry)
    ("jan.kowalski@sekap.example", "2410053", "informacja-publiczna"),  # Pszczyna OR
]


class Command(BaseCommand):
    help = "Create demo staff and citizens (idempotent) and print their logins."

    def handle(self, *args, **options) -> None:
        if not Office.objects.exists():
            call_command("seed_offices")
        path = settings.VAR_DIR / CREDENTIALS_FILE
        known = json.loads(path.read_text()) if path.exists() else {}
        with transaction.atomic():
            for person in DEMO_PEOPLE:
                self._ensure(person, known)
        path.write_text(json.dumps(known, indent=1))
        for email, terc, slug in DEMO_APPLICATIONS:
            self._file(email, terc, slug)
        path.chmod(0o600)
        self.stdout.write("Demo logins (also in var/demo_logins.json):")
        for email, entry in known.items():
            line = f"  {email:40} {entry['password']}"
            if entry.get("totp_key"):
                line += f"  TOTP key: {entry['totp_key']}"
            self.stdout.write(line)

    def _ensure(self, person, known: dict) -> None:
        email, first, last, kind, terc, role, symbol, pesel = person
        entry = known.setdefault(email, {"password": secrets.token_urlsafe(9)})
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, entry["password"], first_name=first, last_name=last, kind=kind, pesel=pesel
            )
        if pesel and not user.is_identity_verified:
            identity_verify(
                user=user,
                verified_by=None,
                method=VerificationMethod.ADMINISTRATOR,
                document=IdentityDocument(kind="id_card", pesel=pesel),
            )
        if role:
            office = Office.objects.get(terc=terc)
            department = _department(office, symbol)
            membership_grant(actor=None, user=user, office=office, role=role, department=department)
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            entry["totp_key"] = base64.b32encode(device.bin_key).decode().rstrip("=")

    def _file(self, email: str, terc: str, slug: str) -> None:
        """File the form's sample application as the citizen, through the portal's own path
        (draft, document, trusted-profile signature, submission, intake); once."""
        user = User.objects.get(email=email)
        service = Service.objects.filter(
            office__terc=terc, form_template__slug=slug, is_active=True
        ).first()
        if service is None:
            self.stderr.write(f"demo application skipped: {slug} is not offered at {terc}")
            return
        if Draft.objects.filter(owner=user, service=service).exists():
            return  # filed (or started) by an earlier run
        sample = next(item["sample_data"] for item in seed_files() if item["slug"] == slug)
        draft = drafts.draft_start(user=user, service=service)
        data = {**sample, **_as_filer(draft, sample, user)}
        for step in draft.steps:
            names = drafts.step_field_names(draft, step["key"])
            drafts.draft_save_step(
                draft=draft,
                user=user,
                step_key=step["key"],
                step_data={key: value for key, value in data.items() if key in names},
            )
        drafts.draft_prepare(draft=draft, user=user)
        drafts.draft_sign_trusted_profile(draft=draft, user=user)
        draft.refresh_from_db()
        submission = drafts.draft_submit(
            draft=draft, user=user, idempotency_key=str(draft.idempotency_key)
        )
        intake_process(submission_id=submission.pk)  # idempotent; eager mode has run it
        self.stdout.write(f"demo application filed: {service.title} ({service.office.name})")


def _department(office: Office, symbol: str) -> Department | None:
    if symbol.startswith("@"):
        service = Service.objects.filter(office=office, form_template__slug=symbol[1:]).first()
        if service is not None:
            return service.department
        symbol = "OR"  # the catalogue is not seeded yet: where certificates usually go
    return Department.objects.filter(office=office, symbol=symbol).first()


def _as_filer(draft, sample: dict, user: User) -> dict:
    """The sample's person blocks filled with the filing citizen's own name and PESEL."""
    replaced = {}
    for spec in iter_fields(draft.version.definition):
        if spec["type"] == "person" and isinstance(sample.get(spec["name"]), dict):
            person = dict(sample[spec["name"]])
            person.update(first_name=user.first_name, last_name=user.last_name)
            if person.get("pesel"):
                person["pesel"] = user.pesel
            replaced[spec["name"]] = person
    return replaced
