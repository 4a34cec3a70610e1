"""Staff CSV import: refused whole on one bad row, preview equals apply, idempotent, encodings,
authority per office, audited, activation mail after commit."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from offices.models import Department, Deputy, StaffMembership, StaffRole
from offices.services import membership_grant
from offices.staff_import import (
    StaffImportRefused,
    StaffImportStale,
    staff_import_apply,
    staff_import_preview,
)
from offices.tests.factories import DepartmentFactory, OfficeFactory
from sekap.accounts.models import User, UserKind
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed
from sekap.outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db

HEADER = "urząd;wydział;nazwa wydziału;imię;nazwisko;e-mail;stanowisko;role;pesel\n"
GOOD = (
    HEADER
    + "2466011;GK;Wydział Geodezji;Anna;Żółkiewska;anna@gliwice.test;Inspektor;referent;"
    + "44051401359\n"
    + "2466011;GK;;Jerzy;Łęcki;jerzy@gliwice.test;Naczelnik;kierownik|podpisujący;\n"
    + "2466011;;;Maria;Nowak;maria@gliwice.test;Kancelaria;registry_clerk;\n"
)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def offices(db):
    cpd = OfficeFactory(terc="24", kind="voivodeship", gmina_type="", name="Urząd Wojewódzki")
    gliwice = OfficeFactory(terc="2466011", kind="city_county", gmina_type="", name="UM Gliwice")
    bytom = OfficeFactory(terc="2462011", kind="city_county", gmina_type="", name="UM Bytom")
    return cpd, gliwice, bytom


@pytest.fixture
def cpd_admin(offices):
    user = StaffFactory(email="cpd@slask.test")
    membership_grant(actor=None, user=user, office=offices[0], role=StaffRole.CPD_ADMIN)
    return user


def apply(content: bytes, actor):
    plan = staff_import_preview(content=content, actor=actor)
    assert plan.ok, plan.errors
    return plan, staff_import_apply(
        content=content, actor=actor, sha256=plan.sha256, digest=plan.digest
    )


def test_one_bad_row_refuses_the_whole_file_with_line_and_reason(offices, cpd_admin):
    content = (
        GOOD
        + "2466011;GK;;Piotr;Zły;piotr@gliwice;Inspektor;referent;\n"  # line 5: bad e-mail
        + "9999999;GK;;Ewa;Brak;ewa@gliwice.test;Inspektor;referent;\n"  # line 6: no office
        + "2466011;GK;;Jan;Dubel;anna@gliwice.test;Inspektor;referent;\n"  # line 7: duplicate
        + "2466011;GK;;Ola;Rola;ola@gliwice.test;Inspektor;czarodziej;\n"  # line 8: role
        + "2466011;GK;;Olek;Pesel;olek@gliwice.test;Inspektor;referent;44051401358\n"  # line 9
    ).encode()
    plan = staff_import_preview(content=content, actor=cpd_admin)
    assert not plan.ok
    assert [(e.line, e.message) for e in plan.errors] == [
        (5, "“piotr@gliwice” is not a valid e-mail address."),
        (6, "No office with the TERYT code “9999999”."),
        (7, "The e-mail anna@gliwice.test is already on line 2 of the file."),
        (
            8,
            "Unknown role: czarodziej. Known roles: registry_clerk, clerk, head, signer, "
            "office_admin, ca_operator, archivist, finance, cpd_admin.",
        ),
        (9, "“44051401358” is not a valid PESEL number."),
    ]
    with pytest.raises(StaffImportRefused):
        staff_import_apply(content=content, actor=cpd_admin, sha256=plan.sha256, digest="")
    assert not User.objects.filter(email__endswith="@gliwice.test").exists()
    assert not Department.objects.filter(symbol="GK").exists()


def test_refusal_is_said_in_polish(offices, cpd_admin, settings):
    content = (HEADER + "2466011;GK;;Piotr;Zły;piotr@gliwice;Inspektor;referent;\n").encode()
    with translation.override("pl"):
        plan = staff_import_preview(content=content, actor=cpd_admin)
    assert plan.errors[0].line == 2
    assert plan.errors[0].message == "„piotr@gliwice” nie jest poprawnym adresem e-mail."


def test_preview_then_apply_creates_exactly_the_preview(
    offices, cpd_admin, django_capture_on_commit_callbacks
):
    content = GOOD.encode()
    plan = staff_import_preview(content=content, actor=cpd_admin)
    assert plan.ok
    assert plan.summary == {
        "people_created": 3,
        "people_changed": 0,
        "people_unchanged": 0,
        "people_deactivated": 0,
        "departments_created": 1,
        "departments_renamed": 0,
    }
    assert [(p.email, p.action, p.roles) for p in plan.people] == [
        ("anna@gliwice.test", "created", (("clerk", "GK"),)),
        ("jerzy@gliwice.test", "created", (("head", "GK"), ("signer", "GK"))),
        ("maria@gliwice.test", "created", (("registry_clerk", ""),)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = staff_import_apply(
            content=content, actor=cpd_admin, sha256=plan.sha256, digest=plan.digest
        )
    assert (result.created, result.changed, result.departments_created) == (3, 0, 1)
    gk = Department.objects.get(office__terc="2466011", symbol="GK")
    assert gk.name == "Wydział Geodezji"
    held = sorted(
        StaffMembership.objects.filter(office__terc="2466011").values_list(
            "user__email", "department__symbol", "role", "position"
        )
    )
    assert held == [
        ("anna@gliwice.test", "GK", "clerk", "Inspektor"),
        ("jerzy@gliwice.test", "GK", "head", "Naczelnik"),
        ("jerzy@gliwice.test", "GK", "signer", "Naczelnik"),
        ("maria@gliwice.test", None, "registry_clerk", "Kancelaria"),
    ]
    anna = User.objects.get(email="anna@gliwice.test")
    assert (anna.kind, anna.first_name, anna.last_name, anna.pesel) == (
        UserKind.STAFF,
        "Anna",
        "Żółkiewska",
        "44051401359",
    )
    assert not anna.has_usable_password()
    actions = sorted(AuditEntry.objects.filter(actor=cpd_admin).values_list("action", flat=True))
    assert actions == ["offices.department.created"] + ["offices.staff_import.created"] * 3
    # the activation mail went through the outbox after commit, with a set-password link
    assert OutgoingMail.objects.filter(sent_at__isnull=False).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "anna@gliwice.test",
        "jerzy@gliwice.test",
        "maria@gliwice.test",
    ]
    assert "/konto/haslo/" in mail.outbox[0].body


def test_reimport_is_unchanged_and_writes_nothing(offices, cpd_admin):
    apply(GOOD.encode(), cpd_admin)
    entries = AuditEntry.objects.count()
    plan, result = apply(GOOD.encode(), cpd_admin)
    assert plan.summary["people_unchanged"] == 3
    assert plan.summary["departments_created"] == 0
    assert (result.created, result.changed) == (0, 0)
    assert AuditEntry.objects.count() == entries
    assert StaffMembership.objects.filter(office__terc="2466011").count() == 4


def test_a_changed_row_is_an_update_with_its_changes(offices, cpd_admin):
    apply(GOOD.encode(), cpd_admin)
    changed = GOOD.replace("Anna;Żółkiewska", "Anna;Kowalska").replace(
        "Kancelaria;registry_clerk", "Kancelaria;registry_clerk|archiwista"
    )
    plan, result = apply(changed.encode(), cpd_admin)
    by_email = {p.email: p for p in plan.people}
    assert by_email["anna@gliwice.test"].changes == ("last_name: Żółkiewska → Kowalska",)
    assert by_email["maria@gliwice.test"].changes == ("+archivist",)
    assert result.changed == 2
    assert User.objects.get(email="anna@gliwice.test").last_name == "Kowalska"
    entry = AuditEntry.objects.filter(action="offices.staff_import.changed").order_by("pk")[0]
    assert entry.before["last_name"] == "Żółkiewska"
    assert entry.after["last_name"] == "Kowalska"


def test_windows_1250_with_commas_and_utf8_bom(offices, cpd_admin):
    text = (
        "TERYT,Symbol wydziału,Nazwa wydziału,Imię,Nazwisko,E-mail,Stanowisko,Role\n"
        "2466011,GK,Wydział Geodezji,Łucja,Ślęzak,lucja@gliwice.test,Inspektor,referent\n"
    )
    apply(text.encode("cp1250"), cpd_admin)
    assert User.objects.get(email="lucja@gliwice.test").last_name == "Ślęzak"
    bom = ("\ufeff" + GOOD).encode("utf-8")
    assert staff_import_preview(content=bom, actor=cpd_admin).ok


def test_apply_is_bound_to_the_previewed_file_and_plan(offices, cpd_admin):
    content = GOOD.encode()
    plan = staff_import_preview(content=content, actor=cpd_admin)
    other = GOOD.replace("Inspektor", "Podinspektor").encode()
    with pytest.raises(StaffImportStale):
        staff_import_apply(content=other, actor=cpd_admin, sha256=plan.sha256, digest=plan.digest)
    # the registry changed after the preview: the same file would now do something else
    DepartmentFactory(office=offices[1], symbol="GK", name="Geodezja")
    with pytest.raises(StaffImportStale):
        staff_import_apply(
            content=content,
            actor=cpd_admin,
            sha256=hashlib.sha256(content).hexdigest(),
            digest=plan.digest,
        )
    assert not User.objects.filter(email__endswith="@gliwice.test").exists()


def test_office_admin_imports_into_own_office_only(offices, cpd_admin):
    _cpd, gliwice, _bytom = offices
    admin = StaffFactory(email="admin@gliwice.test")
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)
    assert staff_import_preview(content=GOOD.encode(), actor=admin).ok
    into_bytom = GOOD.replace("2466011", "2462011").encode()
    plan = staff_import_preview(content=into_bytom, actor=admin)
    assert [e.message for e in plan.errors] == [
        "You may not manage the staff of the office 2462011."
    ] * 3
    with pytest.raises(StaffImportRefused):
        staff_import_apply(content=into_bytom, actor=admin, sha256=plan.sha256, digest="")
    # a privileged role needs a CPD administrator even in one's own office
    operator = (HEADER + "2466011;;;Ca;Op;ca@gliwice.test;;ca_operator;\n").encode()
    plan = staff_import_preview(content=operator, actor=admin)
    assert plan.errors[0].message.startswith("Only a CPD administrator may grant")


def test_clerk_is_refused(offices):
    clerk = StaffFactory(email="clerk@gliwice.test")
    membership_grant(actor=None, user=clerk, office=offices[1], role=StaffRole.CLERK)
    plan = staff_import_preview(content=GOOD.encode(), actor=clerk)
    assert {e.message for e in plan.errors} == {
        "You may not manage the staff of the office 2466011."
    }


def test_citizen_email_and_missing_department_and_deputy(offices, cpd_admin):
    UserFactory(email="citizen@gliwice.test")
    content = (
        HEADER
        + "2466011;GK;;Ala;Ma;citizen@gliwice.test;;referent;\n"
        + "2466011;XX;;Ola;Nie;ola@gliwice.test;;referent;\n"
        + "2466011;;;Ela;Bez;ela@gliwice.test;;clerk;\n"
    ).encode()
    plan = staff_import_preview(content=content, actor=cpd_admin)
    assert [(e.line, e.message) for e in plan.errors] == [
        (
            2,
            "The e-mail citizen@gliwice.test belongs to a citizen's or business account; "
            "a member of staff needs their own official address.",
        ),
        (
            2,
            "Office 2466011 has no department GK; give its name in the department name "
            "column to create it.",
        ),
        (
            3,
            "Office 2466011 has no department XX; give its name in the department name "
            "column to create it.",
        ),
        (4, "A clerk or signer needs a department (its symbol)."),
    ]


def test_absence_creates_a_deputy_once(offices, cpd_admin):
    content = (
        GOOD.rstrip("\n")
        .replace("role;pesel", "role;pesel;zastępca;nieobecność od;nieobecność do")
        .replace(
            "referent;44051401359", "referent;44051401359;jerzy@gliwice.test;2026-12-01;2026-12-14"
        )
        .replace("podpisujący;", "podpisujący;;;;")
        .replace("registry_clerk;", "registry_clerk;;;;")
        + "\n"
    ).encode()
    apply(content, cpd_admin)
    deputy = Deputy.objects.get()
    assert (deputy.principal.email, deputy.deputy.email) == (
        "anna@gliwice.test",
        "jerzy@gliwice.test",
    )
    plan, _ = apply(content, cpd_admin)
    assert plan.summary["people_unchanged"] == 3
    assert Deputy.objects.count() == 1


def test_management_command_dry_run_json_and_apply(offices, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(GOOD.encode("cp1250"))
    call_command("import_staff", str(path), "--dry-run", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["summary"]["people_created"] == 3
    assert not User.objects.filter(email__endswith="@gliwice.test").exists()
    call_command("import_staff", str(path))
    assert "3 created" in capsys.readouterr().out
    assert User.objects.filter(email__endswith="@gliwice.test").count() == 3


def test_management_command_refuses_a_bad_file(offices, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "2466011;GK;;Piotr;Zły;piotr@gliwice;;referent;\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_staff", str(path))
    assert "line 2: “piotr@gliwice” is not a valid e-mail address." in capsys.readouterr().err


def test_deactivation_row_closes_the_account(offices, cpd_admin):
    apply(GOOD.encode(), cpd_admin)
    leaving = (
        HEADER.rstrip("\n")
        + ";aktywny\n"
        + "2466011;GK;;Anna;Żółkiewska;anna@gliwice.test;Inspektor;referent;;0\n"
    ).encode()
    _plan, result = apply(leaving, cpd_admin)
    assert result.deactivated == 1
    assert not User.objects.get(email="anna@gliwice.test").is_active
    assert AuditEntry.objects.filter(action="accounts.user.deactivated").count() == 1


def test_deactivating_needs_authority_over_the_persons_offices(offices):
    _cpd, gliwice, bytom = offices
    admin = StaffFactory(email="admin@gliwice.test")
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)
    other = StaffFactory(email="b@bytom.test")
    membership_grant(actor=None, user=other, office=bytom, role=StaffRole.REGISTRY_CLERK)
    from offices.leavers import staff_deactivate

    with pytest.raises(NotAllowed):
        staff_deactivate(user=other, actor=admin)
    other.refresh_from_db()
    assert other.is_active


def _people(n: int) -> bytes:
    rows = "".join(
        f"2466011;GK;Wydział Geodezji;Osoba;Numer{i};osoba{i}@gliwice.test;Inspektor;referent;\n"
        for i in range(n)
    )
    return (HEADER + rows).encode()


def test_preview_reads_the_registry_in_a_fixed_number_of_queries(offices, cpd_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    apply(_people(40), cpd_admin)
    counts = []
    for n in (4, 40):
        with CaptureQueriesContext(connection) as queries:
            plan = staff_import_preview(content=_people(n), actor=cpd_admin)
        assert plan.summary["people_unchanged"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
