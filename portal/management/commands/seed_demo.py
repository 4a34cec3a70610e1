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

from offices.models import Department, Office, StaffRole
from offices.services import membership_grant
from sekap.accounts.models import User, UserKind, VerificationMethod
from sekap.accounts.services import identity_verify

CREDENTIALS_FILE = "demo_logins.json"

# (email, first name, last name, kind, office TERC or "", role, department symbol, PESEL)
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
        "GK",
        "",
    ),
    (
        "kierownik.gliwice@sekap.example",
        "Kamil",
        "Naczelnik",
        UserKind.STAFF,
        "2466011",
        StaffRole.HEAD,
        "GK",
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
        "OR",
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
            identity_verify(user=user, verified_by=None, method=VerificationMethod.ADMINISTRATOR)
        if role:
            office = Office.objects.get(terc=terc)
            department = Department.objects.filter(office=office, symbol=symbol).first()
            membership_grant(actor=None, user=user, office=office, role=role, department=department)
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            entry["totp_key"] = base64.b32encode(device.bin_key).decode().rstrip("=")
