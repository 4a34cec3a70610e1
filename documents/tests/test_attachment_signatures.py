"""Issue 15 item 3: each signed attachment is validated in the intake with the form's
signature, its report stored per attachment and shown to the clerk in words; an unsigned
attachment is allowed where the service allows it (``Service.unsigned_attachments_allowed``)."""

from __future__ import annotations

import copy
import hashlib

import pytest
from django.utils import timezone

from documents.models import Stage, Submission
from documents.services import intake
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, staff_client
from forms_platform import selectors as forms
from forms_platform.tests.factories import ADDRESSEE, SENDER, SMALL_DEFINITION, make_published
from signatures.tests.pdfs import make_pdf, sign_pdf

pytestmark = pytest.mark.django_db

SLUG = "wniosek-z-zalacznikami"


def _definition() -> dict:
    definition = copy.deepcopy(SMALL_DEFINITION)
    skan = next(f for f in definition["steps"][0]["fields"] if f["name"] == "Skan")
    skan.update(allowed_types=["pdf", "txt", "xml"], max_size=200_000, max_files=4)
    return definition


@pytest.fixture
def setup(db, pki_dir):
    make_published(slug=SLUG, definition=_definition())
    return make_service(slug=SLUG)


def _submit(setup, citizen, files: list[tuple[str, bytes]]) -> Submission:
    """The form signed by ``citizen`` with these attachments, through the whole intake."""
    data = {
        "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
        "Rodzaj": "zwykla",
        "Skan": [{"name": name, "content": content} for name, content in files],
    }
    document = citizen.sign(
        forms.build_document(version=setup.version, data=data, sender=SENDER, addressee=ADDRESSEE)
    )
    now = timezone.now()
    submission = Submission.objects.create(
        submitter=citizen.user,
        office=setup.office,
        service=setup.service,
        form_version=setup.version,
        title="Wniosek z załącznikami",
        channel="api",
        idempotency_key=hashlib.sha256(document).hexdigest(),
        document=document,
        sha256=hashlib.sha256(document).hexdigest(),
        size=len(document),
        received_at=now,
        intake_due_at=now,
    )
    intake.intake_process(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.stage == Stage.COMPLETED
    return submission


def _signed_pdf(citizen, pages: int = 1) -> bytes:
    return sign_pdf(make_pdf(pages), key=citizen.key, chain=citizen.chain[:2])


def test_signed_pdf_attachment_is_validated_and_its_report_stored(setup, citizen) -> None:
    submission = _submit(setup, citizen, [("oswiadczenie.pdf", _signed_pdf(citizen))])

    (entry,) = submission.attachment_signatures
    assert (entry["number"], entry["name"]) == (1, "oswiadczenie.pdf")
    assert (entry["indication"], entry["signature_format"]) == ("TOTAL_PASSED", "PAdES")
    assert entry["signed_by"] == f"{citizen.user.first_name} {citizen.user.last_name}"
    assert entry["report"]["signatures"][0]["signed_by"]["pesel"] == citizen.user.pesel
    assert not submission.needs_attention


def test_changed_signed_pdf_needs_attention_and_the_clerk_reads_why(setup, citizen) -> None:
    tampered = _signed_pdf(citizen).replace(b"strona 1", b"strona 2")
    submission = _submit(setup, citizen, [("oswiadczenie.pdf", tampered)])

    (entry,) = submission.attachment_signatures
    assert (entry["indication"], entry["sub_indication"]) == ("TOTAL_FAILED", "HASH_FAILURE")
    assert submission.needs_attention
    assert "oswiadczenie.pdf" in submission.attention_reason
    page = staff_client(clerk_of(setup)).get(f"/backoffice/sprawy/{submission.case_id}/")
    text = page.content.decode()
    assert "oswiadczenie.pdf" in text
    assert "zmieniony po podpisaniu" in text or "changed after it was signed" in text


def test_unsigned_attachment_allowed_by_default_and_flagged_where_the_service_says(
    setup, citizen
) -> None:
    files = [("notatka.txt", b"Prosze o szybkie zalatwienie.")]
    allowed = _submit(setup, citizen, files)
    assert allowed.attachment_signatures[0]["indication"] == "UNSIGNED"
    assert not allowed.needs_attention

    setup.service.unsigned_attachments_allowed = False
    setup.service.save(update_fields=["unsigned_attachments_allowed"])
    refused = _submit(setup, citizen, [("notatka2.txt", b"Inna notatka.")])

    assert refused.needs_attention
    assert "notatka2.txt" in refused.attention_reason


def test_signed_and_unsigned_attachments_shown_in_words_on_the_case_page(setup, citizen) -> None:
    submission = _submit(
        setup,
        citizen,
        [("oswiadczenie.pdf", _signed_pdf(citizen)), ("notatka.txt", b"Bez podpisu.")],
    )

    text = staff_client(clerk_of(setup)).get(f"/backoffice/sprawy/{submission.case_id}/")
    page = text.content.decode()
    first, second = page.index("zalaczniki/1/"), page.index("zalaczniki/2/")
    signed_line = page[first:second]
    assert "oswiadczenie.pdf" in signed_line and "PAdES" in signed_line
    assert citizen.user.last_name in signed_line
    unsigned_line = page[second : page.index("</ul>", second)]
    assert "plik nie jest podpisany" in unsigned_line or "not signed" in unsigned_line


@pytest.mark.usefixtures("xmlsec1_installed")
def test_file_with_its_detached_signature_among_the_attachments(setup, citizen, tmp_path):
    from types import SimpleNamespace

    from signatures.tests.pki import Identity
    from signatures.tests.test_detached import xmlsec1_detached

    pdf = make_pdf(1)
    holder = SimpleNamespace(
        signer=Identity(citizen.key, citizen.chain[0]), ca=Identity(None, citizen.chain[1])
    )
    xades = xmlsec1_detached(tmp_path, holder, {"umowa.pdf": pdf}, ["umowa.pdf"])
    submission = _submit(setup, citizen, [("umowa.pdf", pdf), ("umowa.pdf.xades", xades)])

    signed_file, signature = submission.attachment_signatures
    assert (signature["name"], signature["indication"]) == ("umowa.pdf.xades", "TOTAL_PASSED")
    assert signature["report"]["signatures"][0]["scope"][0]["uri"] == "umowa.pdf"
    assert (signed_file["indication"], signed_file["signature_file"]) == (
        "TOTAL_PASSED",
        "umowa.pdf.xades",
    )
    assert not submission.needs_attention
