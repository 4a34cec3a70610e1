"""Receipt pages (public verification, owner-only downloads), inbox opening (UPD once),
replies from the case page."""

from __future__ import annotations

import pytest
from lxml import etree

from documents import selectors, services
from documents.models import CaseEvent, Receipt, Submission
from documents.services import intake
from documents.services.receipts import UPO_NS, receipt_render_pdf
from documents.tests.fixtures import document_for, make_citizen, pesel
from offices.models import StaffMembership
from sekap.accounts.tests.factories import StaffFactory
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(setup, citizen):
    submission = services.submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup)),
        idempotency_key="r",
        channel="portal",
    )
    intake.intake_process(submission_id=submission.pk)
    return Submission.objects.get(pk=submission.pk)


def test_public_verification_page_shows_no_personal_data(client, filed, citizen, english):
    receipt = filed.receipt
    page = client.get(f"/upo/{receipt.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b"This receipt is genuine" in page.content
    assert filed.sha256.encode() in page.content
    assert citizen.user.last_name.encode() not in page.content
    assert client.get("/upo/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/upo/not-a-uuid/").status_code == 404


def test_verification_page_speaks_of_the_upo_in_words(client, filed):
    from sekap.datetimes import polish_datetime

    receipt = filed.receipt
    html = client.get(f"/upo/{receipt.public_id}/").content.decode()
    assert "To UPO jest autentyczne" in html
    assert f"<dd>{polish_datetime(receipt.created_at)}</dd>" in html
    assert f"<dd>{polish_datetime(filed.received_at)}</dd>" in html
    # a receipt whose bytes no longer match its seal is explained, not coded
    tampered = bytes(receipt.xml).replace(filed.sha256.encode(), b"0" * 64, 1)
    Receipt.objects.filter(pk=receipt.pk).update(xml=tampered)
    html = client.get(f"/upo/{receipt.public_id}/").content.decode()
    assert "Nie udało się potwierdzić pieczęci tego UPO: Dokument został zmieniony" in html
    assert "TOTAL_FAILED" not in html


def test_pdf_and_xml_only_for_the_owner(client, filed, citizen, ca):
    receipt = filed.receipt
    client.force_login(citizen.user)
    assert client.get(f"/upo/{receipt.public_id}/pdf").status_code == 202  # not rendered yet
    assert receipt_render_pdf(receipt_id=receipt.pk) is True
    assert receipt_render_pdf(receipt_id=receipt.pk) is False  # rendered once
    pdf = client.get(f"/upo/{receipt.public_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xml = client.get(f"/upo/{receipt.public_id}/xml")
    assert xml.content == bytes(receipt.xml)
    other = make_citizen(ca, pesel=pesel(71))
    client.force_login(other.user)
    assert client.get(f"/upo/{receipt.public_id}/pdf").status_code == 404
    assert client.get(f"/upo/{receipt.public_id}/xml").status_code == 404


def test_receipt_pdf_has_qr_to_verification_page(filed):
    from documents.services.receipts import qr_svg, verification_url

    svg = qr_svg(verification_url(filed.receipt.public_id))
    root = etree.fromstring(svg.encode())
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) == 1


def test_receipt_pdf_uses_the_sealed_link_and_polish_times(filed, settings):
    from documents.services.receipts import receipt_fields, receipt_html
    from sekap.datetimes import polish_datetime

    receipt = filed.receipt
    fields = receipt_fields(receipt)
    sealed = fields["info"]["AdresWeryfikacji"]
    settings.SITE_URL = "https://elsewhere.example"  # changed after sealing
    html = receipt_html(receipt)
    assert f"Sprawdź autentyczność: {sealed}" in html and "elsewhere.example" not in html
    assert f"<td>{polish_datetime(fields['DataDoreczenia'])}</td>" in html
    assert fields["DataDoreczenia"] not in html  # not the raw ISO text


def test_inbox_open_issues_upd_once_and_refuses_others(filed, citizen, ca, setup):
    clerk = StaffFactory()
    StaffMembership.objects.create(
        user=clerk, office=setup.office, department=setup.department, role="clerk"
    )
    letter = services.letter_send(case=filed.case, clerk=clerk, kind="letter", title="Pismo",
                                  body="Treść.")  # fmt: skip
    message = letter.messages.get()
    assert selectors.inbox_unread_count(citizen.user) == 3  # UPO, notice, letter
    other = make_citizen(ca, pesel=pesel(72))
    with pytest.raises(NotAllowed):
        services.inbox_open(user=other.user, message=message)
    services.inbox_open(user=citizen.user, message=message)
    services.inbox_open(user=citizen.user, message=message)
    letter.refresh_from_db()
    assert Receipt.objects.filter(kind="UPD", letter=letter).count() == 1
    upd = etree.fromstring(bytes(letter.receipts.get().xml))
    assert upd.findtext(f"{{{UPO_NS}}}UPD/{{{UPO_NS}}}IdentyfikatorSprawy") == filed.case.sign
    assert CaseEvent.objects.filter(case=filed.case, action="delivered").count() == 1
    assert selectors.inbox_unread_count(citizen.user) == 2


def test_reply_from_case_page_is_receipted_and_attached(filed, citizen, setup, ca):
    reply = services.reply_accept(
        submitter=citizen.user,
        case=filed.case,
        signed_xml=citizen.sign(document_for(setup, note="uzupełnienie")),
        idempotency_key="reply-1",
        channel="portal",
    )
    assert reply.receipt.kind == "UPP"
    intake.intake_process(submission_id=reply.pk)
    reply.refresh_from_db()
    assert reply.case == filed.case and reply.register_entry.number == 2
    assert CaseEvent.objects.filter(case=filed.case, action="reply_received").count() == 1
    docs = selectors.case_documents(filed.case)
    assert [s.pk for s in docs["incoming"]] == [filed.pk, reply.pk]
    other = make_citizen(ca, pesel=pesel(73))
    with pytest.raises(NotAllowed):
        services.reply_accept(
            submitter=other.user,
            case=filed.case,
            signed_xml=other.sign(document_for(setup)),
            idempotency_key="x",
            channel="portal",
        )
    assert selectors.case_for(user=other.user, pk_or_sign=filed.case.pk) is None
    assert selectors.case_for(user=citizen.user, pk_or_sign=filed.case.pk) == filed.case


def test_a_batch_queues_its_pdfs_in_one_message_rendered_once(
    setup, citizen, monkeypatch, django_capture_on_commit_callbacks
):
    from documents import tasks
    from documents.services import receipts

    sent: list[dict] = []
    monkeypatch.setattr("sekap.dispatch.dispatch_task", lambda **kw: sent.append(kw) or True)
    filed = [
        services.submission_accept(
            submitter=citizen.user,
            service=setup.service,
            signed_xml=citizen.sign(document_for(setup, note=key)),
            idempotency_key=key,
            channel="portal",
        )
        for key in ("a", "b", "c")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        done = intake.intake_batch(submission_id=filed[0].pk).completed
    assert sorted(done) == [s.pk for s in filed]
    messages = [kw for kw in sent if kw["task_name"] == "documents.tasks.receipt_pdfs"]
    assert len(messages) == 1 and messages[0]["queue_setting"] == "DOCUMENTS_PDF_QUEUE"
    ids = messages[0]["receipt_ids"]
    assert sorted(ids) == sorted(
        Receipt.objects.filter(submission__in=filed).values_list("pk", flat=True)
    )
    rendered: list[int] = []
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", lambda r: rendered.append(r.pk) or render(r))
    tasks.receipt_pdfs(receipt_ids=ids)
    tasks.receipt_pdfs(receipt_ids=ids)  # the message delivered again
    assert receipts.receipt_render_pdfs(receipt_ids=ids) == 0
    assert sorted(rendered) == sorted(ids)
    assert all(r.has_pdf for r in Receipt.objects.filter(pk__in=ids))
