"""Data-subject rights (issue 17 item 3): the export holds every kind of record about the person
and nothing of anyone else's; erasure is refused with the reason while an office keeps their
case, and done otherwise; the privacy notice per office."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.test import Client

from documents import services as documents
from documents.models import Receipt, Submission
from documents.services import intake
from documents.tests.fixtures import (  # noqa: F401
    ca,
    document_for,
    make_citizen,
    pesel,
    pki_dir,
    sekap_trust,
    setup,
)
from offices.models import StaffMembership
from payments.models import FeeAccount
from payments.services.orders import order_create
from portal.models import Draft
from portal.services import accounts as portal_accounts
from sekap.accounts.models import User
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry
from tests.test_submission_api import client_for

pytestmark = pytest.mark.django_db


def _file(person, setup):  # noqa: F811
    created = client_for(person.user).post(
        f"/api/v1/submissions/?service={setup.service.pk}",
        data=person.sign(document_for(setup)),
        content_type="application/xml",
    )
    assert created.status_code == 201, created.content
    submission = Submission.objects.filter(submitter=person.user).latest("pk")
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def _order(user, office, n: int):
    return order_create(
        payer=user,
        office=office,
        fee_type="stamp_duty",
        amount_grosze=1700 + n,
        title=f"Opłata skarbowa {n}",
        due_on=dt.date(2026, 12, 14),
        idempotency_key=f"privacy-{n}",
        subject_ref=f"privacy:{n}",
    )


def _draft(user, setup, note: str) -> Draft:  # noqa: F811
    return Draft.objects.create(
        owner=user, service=setup.service, version=setup.version, data={"note": note}
    )


@pytest.fixture
def two_people(setup, ca, sekap_trust):  # noqa: F811
    FeeAccount.objects.create(
        office=setup.office,
        fee_type="stamp_duty",
        holder="Miasto",
        iban="PL50102024010000123400001234",
        collection_prefix="4201",
    )
    anna = make_citizen(ca, pesel=pesel(51))
    other = make_citizen(ca, pesel=pesel(52))
    clerk = StaffFactory(email="urzednik@example.test")
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    records = {}
    for person in (anna, other):
        user = person.user
        for phone in ("+48 600 000 000", f"+48 600 000 0{user.pk:02d}"):
            portal_accounts.profile_update(
                user=user,
                person={
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "pesel": user.pesel,
                    "phone": phone,
                },
                address={"postal_code": "44-100", "city": "Gliwice", "building": str(user.pk)},
            )
        submission = _file(person, setup)
        case = submission.case
        opened = documents.letter_send(
            case=case, clerk=clerk, kind="letter", title=f"Wezwanie {user.pk}", body="Treść."
        )
        documents.inbox_open(user=user, message=opened.messages.get(recipient=user))
        unopened = documents.letter_send(
            case=case, clerk=clerk, kind="letter", title=f"Zawiadomienie {user.pk}", body="Nowe."
        )
        documents.case_viewed(reader=clerk, case=case)
        order = _order(user, setup.office, user.pk)
        draft = _draft(user, setup, note=f"szkic-{user.pk}")
        records[user.pk] = {
            "submission": submission,
            "case": case,
            "opened": opened,
            "unopened": unopened,
            "order": order,
            "draft": draft,
        }
    return anna.user, other.user, clerk, records


def _unzip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("dane.json")), files


def test_the_export_holds_every_kind_of_record_and_nothing_of_anothers(two_people):
    anna, other, _clerk, records = two_people
    mine, theirs = records[anna.pk], records[other.pk]
    client = Client()
    client.force_login(anna)
    response = client.post("/konto/moje-dane/archiwum/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data, files = _unzip(response.content)

    assert data["account"]["email"] == anna.email and data["account"]["pesel"] == anna.pesel
    assert data["profile"]["building"] == str(anna.pk)
    assert data["profile_history"][0]["after"]["phone"] == f"+48 600 000 0{anna.pk:02d}"
    assert [d["id"] for d in data["drafts"]] == [mine["draft"].pk]
    assert data["drafts"][0]["answers"] == {"note": f"szkic-{anna.pk}"}

    submission = mine["submission"]
    (row,) = data["submissions"]
    assert row["id"] == str(submission.public_id) and row["case"] == mine["case"].sign
    assert files[row["file"]] == bytes(submission.document)
    receipt = Receipt.objects.get(submission=submission)
    assert row["receipt"]["kind"] == receipt.kind and files[row["receipt"]["file"]] == bytes(
        receipt.xml
    )
    assert [c["sign"] for c in data["cases"]] == [mine["case"].sign]

    letters = {item["title"]: item for item in data["letters"]}
    opened = letters[f"Wezwanie {anna.pk}"]
    assert files[opened["file"]] == bytes(mine["opened"].xml)
    unopened = letters[f"Zawiadomienie {anna.pk}"]
    assert unopened["file"] is None and "inbox" in unopened["note"]
    assert bytes(mine["unopened"].xml) not in files.values()

    (payment,) = data["payments"]
    assert (
        payment["id"] == str(mine["order"].public_id) and payment["amount_grosze"] == 1700 + anna.pk
    )

    access = [(a["who"], a["action"]) for a in data["staff_access"]]
    assert ("urzednik@example.test", "documents.case.viewed") in access
    assert all(a["who"] != anna.email for a in data["staff_access"])

    blob = response.content + json.dumps(data).encode()
    everything = blob + b"".join(files.values())
    for foreign in (
        other.email,
        other.pesel,
        str(theirs["submission"].public_id),
        theirs["case"].sign,
        f"szkic-{other.pk}",
        str(theirs["order"].public_id),
        f"Wezwanie {other.pk}",
    ):
        assert foreign.encode() not in everything, foreign
    assert bytes(theirs["submission"].document) not in files.values()
    assert AuditEntry.objects.filter(action="portal.subject.exported", actor=anna).count() == 1


def test_erasure_with_a_registered_case_is_refused_with_the_reason(two_people):
    anna, *_ = two_people
    client = Client()
    client.force_login(anna)
    before = User.objects.filter(pk=anna.pk).values().get()
    response = client.post("/konto/moje-dane/usun/", {"confirm": "yes"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "narodowym zasobie archiwalnym" in page and "art. 17 ust. 3 lit. b RODO" in page
    assert User.objects.filter(pk=anna.pk).values().get() == before
    assert Draft.objects.filter(owner=anna).exists()
    refusal = AuditEntry.objects.get(action="portal.subject.erasure_refused")
    assert refusal.actor_id == anna.pk and "17" in refusal.after["reason"]


def test_erasure_without_records_anonymises_the_account_and_ends_the_session(setup):  # noqa: F811
    person = UserFactory(email="ewa@example.test", first_name="Ewa", pesel="44051401458")
    _draft(person, setup, note="szkic")
    client = Client()
    client.force_login(person)
    refused = client.post("/konto/moje-dane/usun/", {})
    assert refused.status_code == 400 and User.objects.get(pk=person.pk).is_active
    response = client.post("/konto/moje-dane/usun/", {"confirm": "yes"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.email, person.first_name, person.pesel, person.is_active) == (
        f"usuniete-{person.pk}@invalid",
        "",
        "",
        False,
    )
    assert not person.has_usable_password() and not Draft.objects.filter(owner=person).exists()
    assert client.get("/konto/moje-dane/").status_code == 302  # logged out
    entry = AuditEntry.objects.get(action="accounts.user.erased")
    assert "ewa@example.test" not in json.dumps([entry.before, entry.after, entry.target_repr])


def test_privacy_notice_per_office_names_the_controller_and_the_processor(client, setup):  # noqa: F811
    page = client.get(f"/ochrona-danych/{setup.office.terc}/").content.decode()
    assert setup.office.name in page and "podmiot przetwarzający" in page
    assert client.get("/ochrona-danych/0000000/").status_code == 404
