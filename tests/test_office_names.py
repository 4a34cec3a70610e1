"""The office's official name in what the platform seals and says: the UPO of a submission
names the public body as it was named when the UPO was sealed, and every Polish notice that
names an office reads without a doubled word, for offices of every kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from lxml import etree

from documents import services
from documents.models import CaseEvent, InboxMessage, Receipt, Submission
from documents.services import intake
from documents.services.receipts import UPO_NS, receipt_fields
from documents.tests.fixtures import (  # noqa: F401
    Setup,
    ca,
    citizen,
    document_for,
    make_service,
    pki_dir,
    sekap_trust,
)
from forms_platform import selectors as forms
from offices.identity import office_identity_change
from offices.models import Office, OfficeIdentity, Service, StaffMembership, StaffRole
from offices.services import membership_grant, offices_load_csv
from sekap.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
P = f"{{{UPO_NS}}}"
# One office of every kind, and both kinds of gmina head: name and grammatical gender differ
# (Urząd is masculine, Starostwo neuter).
SAMPLE = {
    "24": "Urząd Marszałkowski Województwa Śląskiego",
    "2466011": "Urząd Miejski w Gliwicach",
    "2464011": "Urząd Miasta Częstochowy",
    "2401": "Starostwo Powiatowe w Będzinie",
    "2415052": "Urząd Gminy Godów",
    "2410053": "Urząd Miejski w Pszczynie",
}


@pytest.fixture
def seeded(db):
    offices_load_csv()


def file_submission(office: Office, citizen, *, key: str) -> Submission:  # noqa: F811
    service = Service.objects.filter(office=office).first()
    setup = (
        Setup(office, service.department, service, forms.current_version("wniosek-testowy"))
        if service
        else make_service(office=office, symbol="TST", slug="wniosek-testowy")
    )
    submission = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup)),
        idempotency_key=key,
        channel="portal",
    )
    return submission


def addressee(receipt: Receipt) -> str:
    return etree.fromstring(bytes(receipt.xml)).findtext(f"{P}UPP/{P}Adresat/{P}Nazwa")


def test_sealed_upo_names_the_office_and_keeps_that_name_after_a_rename(
    seeded,
    citizen,  # noqa: F811
    client,
):
    gliwice = Office.objects.get(terc="2466011")
    first = file_submission(gliwice, citizen, key="a").receipt
    sealed = bytes(first.xml)
    assert addressee(first) == "Urząd Miejski w Gliwicach"

    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)
    office_identity_change(
        actor=admin,
        office=gliwice,
        version=OfficeIdentity(
            **{**gliwice.identity.content(), "official_name": "Urząd Miasta Gliwice"}
        ),
    )

    first = Receipt.objects.get(pk=first.pk)
    assert bytes(first.xml) == sealed  # the evidence is never re-rendered
    assert receipt_fields(first)["Adresat"]["name"] == "Urząd Miejski w Gliwicach"
    page = client.get(f"/upo/{first.public_id}/").content.decode()
    assert "Urząd Miejski w Gliwicach" in page and "Urząd Miasta Gliwice" not in page

    second = file_submission(Office.objects.get(pk=gliwice.pk), citizen, key="b").receipt
    assert addressee(second) == "Urząd Miasta Gliwice"


def test_upo_states_the_address_only_once_it_is_confirmed(seeded, citizen):  # noqa: F811
    godow, gliwice = Office.objects.get(terc="2415052"), Office.objects.get(terc="2466011")
    confirmed = etree.fromstring(bytes(file_submission(godow, citizen, key="g").receipt.xml))
    unconfirmed = etree.fromstring(bytes(file_submission(gliwice, citizen, key="h").receipt.xml))

    address = 'InformacjaUzupelniajaca[@TypInformacjiUzupelniajacej="AdresPodmiotu"]'
    assert confirmed.findtext(f"{P}UPP/{P}{address}") == "ul. 1 Maja 53, 44-340 Godów"
    assert unconfirmed.find(f"{P}UPP/{P}{address}") is None


def test_each_notice_naming_an_office_reads_without_a_doubled_word(
    seeded,
    citizen,  # noqa: F811
    client,
):
    """Everything an applicant is told about a filing, for an office of every kind."""
    for n, (terc, name) in enumerate(SAMPLE.items()):
        office = Office.objects.get(terc=terc)
        submission = file_submission(office, citizen, key=f"n{n}")
        with translation.override("pl"):
            intake.intake_process(submission_id=submission.pk)
            submission = Submission.objects.get(pk=submission.pk)
            # The variant for a document that needs a clerk's attention.
            submission.needs_attention = True
            submission.attention_reason = "Podpis wymaga sprawdzenia."
            intake.notify(submission=submission)

        clerk = StaffFactory()
        StaffMembership.objects.create(
            user=clerk, office=office, department=submission.case.department, role="clerk"
        )
        letter = services.letter_send(
            case=submission.case, clerk=clerk, kind="letter", title="Pismo", body="Treść."
        )
        services.inbox_open(user=citizen.user, message=letter.messages.get())
        letter.refresh_from_db()

        notices = [m.body for m in InboxMessage.objects.filter(submission=submission)]
        notices = [body for body in notices if body]
        assert len(notices) == 2
        texts = notices + [e.description for e in CaseEvent.objects.filter(case=submission.case)]
        client.force_login(citizen.user)
        page = client.get(f"/wnioski/{submission.public_id}/", HTTP_ACCEPT_LANGUAGE="pl")
        status = re.search(r'role="status"><p>(.*?)</p>', page.content.decode(), re.S)
        texts.append(status.group(1))
        for text in texts:
            assert not DOUBLED.search(text), text
        for text in [*notices, status.group(1)]:
            assert name in text, text
            assert f"{name} przyjął" not in text and f"{name} zarejestrował" not in text
        assert notices[0].startswith("Twój dokument „Wniosek testowy” został zarejestrowany przez")
        sender = etree.fromstring(bytes(letter.xml)).find("{urn:sekap:documents:pismo:1}Nadawca")
        assert [e.text for e in sender][:2] == [name, office.identity.organ_name]
        upd = etree.fromstring(bytes(letter.receipts.get().xml))
        assert upd.findtext(f"{P}UPD/{P}PodmiotWystawiajacyPoswiadczenie/{P}Nazwa") == name
        assert addressee(submission.receipt) == name


def po_entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file (enough of the format for our catalogues)."""
    entries, current, field = [], {"msgid": "", "msgstr": ""}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgid ", "msgstr ")):
            field, _, value = line.partition(" ")
            if field == "msgid" and current["msgid"]:
                entries.append((current["msgid"], current["msgstr"]))
                current = {"msgid": "", "msgstr": ""}
            current[field] = value[1:-1]
        elif line.startswith('"') and field:
            current[field] += line[1:-1]
        elif not line.strip():
            if current["msgid"]:
                entries.append((current["msgid"], current["msgstr"]))
            current, field = {"msgid": "", "msgstr": ""}, None
    return [(i.replace('\\"', '"'), s.replace('\\"', '"')) for i, s in entries]


PLACEHOLDER = re.compile(r"%\((office|office_name|organ|organ_name)\)s")


def test_every_polish_message_with_an_office_placeholder_reads_right_for_every_kind():
    """A catalogue-wide check, so a new message that names an office is covered too."""
    catalogues = [
        p for p in ROOT.glob("**/locale/pl/LC_MESSAGES/django.po") if ".venv" not in p.parts
    ]
    checked = 0
    for path in catalogues:
        for msgid, msgstr in po_entries(path):
            if not PLACEHOLDER.search(msgid) or not msgstr:
                continue
            checked += 1
            # "Urząd %(office)s" doubles the word; "%(office)s zarejestrował" is masculine,
            # wrong for a Starostwo: name the office where its gender does not matter.
            assert not re.search(r"%\((office|office_name)\)s \w+ł\b", msgstr), msgstr
            for name in SAMPLE.values():
                text = PLACEHOLDER.sub(name, msgstr)
                assert not DOUBLED.search(text), (path, text)
    assert checked >= 3  # the notices of documents and the portal's "received" message
