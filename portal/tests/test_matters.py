"""After sending: the intake pipeline's case, the inbox with UPD on opening, replies, and
nobody seeing anybody else's matters by guessing ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents import services as documents
from documents.models import Case, InboxMessage, Receipt, Submission
from offices.models import StaffRole
from offices.tests.factories import MembershipFactory
from portal.models import Draft
from portal.tests.fixtures import PDF, STEP1, STEP2, STEP3, intake, step_post
from sekap import storage
from sekap.accounts.models import Company, Representation
from sekap.accounts.tests.factories import StaffFactory, VerifiedCitizenFactory

pytestmark = pytest.mark.django_db


def submit_through_pages(client, catalogue, capture) -> Submission:
    response = client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    client.post(response["Location"], step_post(**STEP1))
    client.post(
        f"/wnioski/robocze/{draft.pk}/krok/zaswiadczenie/",
        {**step_post(**STEP2), "DowodOplaty": SimpleUploadedFile("oplata.pdf", PDF)},
    )
    client.post(f"/wnioski/robocze/{draft.pk}/krok/oswiadczenia/", step_post(**STEP3))
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    draft.refresh_from_db()
    with capture(execute=True):
        response = client.post(
            f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": str(draft.idempotency_key)}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    submission = Submission.objects.get(idempotency_key=str(draft.idempotency_key))
    intake(submission)
    return submission


@pytest.fixture
def filed(client, catalogue, verified, platform_trust, django_capture_on_commit_callbacks):
    client.force_login(verified)
    submission = submit_through_pages(client, catalogue, django_capture_on_commit_callbacks)
    submission.refresh_from_db()
    return submission


def test_case_page_shows_sign_office_department_deadline_and_history(client, filed):
    case = Case.objects.get()
    assert filed.case == case
    html = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert case.sign in html and case.office.name in html and case.department.name in html
    assert case.deadline is not None
    assert timezone.localdate().year <= case.deadline.year
    for event in case.events.all():
        assert event.description in html
    assert case.sign in client.get(f"/wnioski/{filed.public_id}/").content.decode()
    assert case.sign in client.get("/sprawy/").content.decode()


def test_clerk_name_is_shown_only_when_the_office_allows(client, filed):
    case = Case.objects.get()
    clerk = StaffFactory(first_name="Urszula", last_name="Referentka")
    MembershipFactory(
        user=clerk, office=case.office, department=case.department, role=StaffRole.CLERK
    )
    documents.case_take(case=case, clerk=clerk)
    assert "Referentka" not in client.get(f"/sprawy/{case.pk}/").content.decode()
    case.office.show_clerk_names = True
    case.office.save()
    assert "Urszula Referentka" in client.get(f"/sprawy/{case.pk}/").content.decode()


def test_opening_an_official_letter_issues_the_upd_once(
    client, filed, django_capture_on_commit_callbacks
):
    case = Case.objects.get()
    clerk = StaffFactory()
    MembershipFactory(
        user=clerk, office=case.office, department=case.department, role=StaffRole.CLERK
    )
    with django_capture_on_commit_callbacks(execute=True):
        letter = documents.letter_send(
            case=case,
            clerk=clerk,
            kind="supplement",
            title="Wezwanie do uzupełnienia",
            body="Proszę dołączyć pełnomocnictwo.",
            supplement_due=timezone.localdate() + dt.timedelta(days=7),
        )
    message = InboxMessage.objects.get(letter=letter)
    inbox = client.get("/skrzynka/").content.decode()
    assert "Wezwanie do uzupełnienia" in inbox and 'class="unread"' in inbox
    page = client.get(f"/skrzynka/{message.pk}/").content.decode()
    assert "Proszę dołączyć pełnomocnictwo." not in page  # not opened by merely looking
    assert not Receipt.objects.filter(letter=letter).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/skrzynka/{message.pk}/")
        client.post(f"/skrzynka/{message.pk}/")
    assert Receipt.objects.filter(letter=letter, kind="UPD").count() == 1
    assert (
        "Proszę dołączyć pełnomocnictwo." in client.get(f"/skrzynka/{message.pk}/").content.decode()
    )
    assert client.get(f"/skrzynka/{message.pk}/pismo.xml").content == bytes(letter.xml)
    case_page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert "UPD" in case_page


def test_reply_from_the_case_page_goes_through_the_same_path(
    client, filed, django_capture_on_commit_callbacks
):
    case = Case.objects.get()
    response = client.post(f"/sprawy/{case.pk}/odpowiedz/")
    draft = Draft.objects.get(kind="reply")
    assert draft.case_id_ref == case.pk and draft.service.form_template.slug == "pismo-ogolne"
    assert response["Location"].startswith(f"/wnioski/robocze/{draft.pk}/krok/")


def test_nobody_sees_or_acts_on_anothers_matters_by_guessing_ids(client, filed, catalogue):
    case = Case.objects.get()
    owner_draft = Draft.objects.get()
    message = InboxMessage.objects.filter(recipient=filed.submitter).first()
    intruder = VerifiedCitizenFactory(pesel="02070803628")
    client.force_login(intruder)
    paths = [
        f"/wnioski/robocze/{owner_draft.pk}/krok/wnioskodawca/",
        f"/wnioski/robocze/{owner_draft.pk}/podglad/",
        f"/wnioski/robocze/{owner_draft.pk}/dokument.xml",
        f"/wnioski/robocze/{owner_draft.pk}/podpis/",
        f"/wnioski/robocze/{owner_draft.pk}/wyslij/",
        f"/wnioski/{filed.public_id}/",
        f"/wnioski/{filed.public_id}/upo.xml",
        f"/wnioski/{filed.public_id}/dokument.xml",
        f"/skrzynka/{message.pk}/",
        f"/sprawy/{case.pk}/",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    for path in (
        f"/wnioski/robocze/{owner_draft.pk}/usun/",
        f"/sprawy/{case.pk}/odpowiedz/",
        f"/skrzynka/{message.pk}/",
    ):
        assert client.post(path).status_code == 404, path
    assert Draft.objects.filter(pk=owner_draft.pk).exists()
    assert not Draft.objects.filter(owner=intruder).exists()
    message.refresh_from_db()
    for listing in ("/wnioski/", "/skrzynka/", "/sprawy/", "/wnioski/robocze/"):
        html = client.get(listing).content.decode()
        assert case.sign not in html and str(filed.public_id) not in html


def test_a_representative_sees_only_the_companies_they_represent(
    client, catalogue, platform_trust, django_capture_on_commit_callbacks
):
    boss = VerifiedCitizenFactory(pesel="44051401359", first_name="Jan", last_name="Kowalski")
    colleague = VerifiedCitizenFactory(pesel="02070803628")
    outsider = VerifiedCitizenFactory(pesel="90090515836")
    company = Company.objects.create(name="Firma Testowa", nip="5260001246")
    other_company = Company.objects.create(name="Inna Firma", nip="7740001454")
    now = timezone.now()
    for user, firm in ((boss, company), (colleague, company), (outsider, other_company)):
        Representation.objects.create(
            company=firm,
            user=user,
            status="approved",
            power_of_attorney="poa/x.pdf",
            decided_at=now,
        )
    client.force_login(boss)
    page = client.get(f"/uslugi/{catalogue.service.pk}/").content.decode()
    assert "Firma Testowa" in page and "Inna Firma" not in page
    response = client.post(
        f"/uslugi/{catalogue.service.pk}/rozpocznij/", {"company": other_company.pk}
    )
    assert response.status_code == 404 and not Draft.objects.exists()
    response = client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/", {"company": company.pk})
    draft = Draft.objects.get()
    assert draft.company == company
    client.post(response["Location"], step_post(**STEP1))
    client.post(
        f"/wnioski/robocze/{draft.pk}/krok/zaswiadczenie/",
        {**step_post(**STEP2), "DowodOplaty": SimpleUploadedFile("oplata.pdf", PDF)},
    )
    client.post(f"/wnioski/robocze/{draft.pk}/krok/oswiadczenia/", step_post(**STEP3))
    client.post(f"/wnioski/robocze/{draft.pk}/podglad/")
    client.post(f"/wnioski/robocze/{draft.pk}/podpis/", {"method": "trusted"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/wnioski/robocze/{draft.pk}/wyslij/",
            {"idempotency_key": str(Draft.objects.get().idempotency_key)},
        )
    submission = Submission.objects.get()
    intake(submission)
    assert submission.company == company
    case = Case.objects.get()
    client.force_login(colleague)
    assert client.get(f"/sprawy/{case.pk}/").status_code == 200
    assert client.get(f"/wnioski/{submission.public_id}/").status_code == 200
    assert (
        client.get(f"/wnioski/robocze/{draft.pk}/podglad/").status_code == 404
    )  # drafts stay personal
    client.force_login(outsider)
    assert client.get(f"/sprawy/{case.pk}/").status_code == 404
    assert client.get(f"/wnioski/{submission.public_id}/").status_code == 404


def test_received_page_names_the_office_as_sealed_in_the_upo_after_a_rename(client, filed):
    from documents.services.receipts import receipt_fields
    from offices.identity import office_identity_change
    from offices.models import OfficeIdentity

    receipt = Receipt.objects.get(submission=filed)
    sealed = receipt_fields(receipt)["Adresat"]["name"]
    office = filed.office
    office_identity_change(
        actor=None,
        office=office,
        version=OfficeIdentity(
            official_name="Urząd po zmianie nazwy", organ_name="Wójt", city=office.seat
        ),
    )
    office.refresh_from_db()
    assert office.name == "Urząd po zmianie nazwy" != sealed

    html = client.get(f"/wnioski/{filed.public_id}/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()

    notice = html[html.index('role="status"') :]
    notice = notice[: notice.index("</div>")]
    assert sealed in notice
    assert "Urząd po zmianie nazwy" not in notice
    local = timezone.localtime(filed.received_at)
    assert local.strftime("%d.%m.%Y %H:%M") in notice


def test_the_received_page_offers_the_pdf_without_downloading_it(client, filed, monkeypatch):
    from documents.services.receipts import receipt_render_pdf

    receipt = Receipt.objects.get(submission=filed)
    receipt_render_pdf(receipt_id=receipt.pk)
    reads: list[str] = []
    real = storage.document_read
    monkeypatch.setattr(storage, "document_read", lambda *, key: reads.append(key) or real(key=key))

    html = client.get(f"/wnioski/{filed.public_id}/").content.decode()

    assert f"/wnioski/{filed.public_id}/upo.pdf" in html
    assert not [key for key in reads if "/receipt-pdfs/" in key]  # the page only names it
    response = client.get(f"/wnioski/{filed.public_id}/upo.pdf")
    assert response.status_code == 200 and b"".join(response).startswith(b"%PDF")
