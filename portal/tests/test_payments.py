"""Paying the fee from the portal: the order issued on filing, the sandbox bank, the return
page asking the bank, the case showing the fee paid, the transfer details with the QR code,
the receipt, and refusals for another citizen."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from documents.models import Submission
from documents.services.fees import subject_of
from documents.tests.fixtures import pesel
from offices.models import Office
from payments.models import OrderStatus, PaymentOrder
from payments.qr import transfer_qr_text
from payments.services import order_create
from payments.services.seed import payments_seed
from portal.services import drafts as services
from portal.tests.fixtures import intake, load_catalogue
from portal.tests.test_signing import answered
from sekap.accounts.tests.factories import VerifiedCitizenFactory


@pytest.fixture
def catalogue(transactional_db):
    """This module's tests commit: each loads its own catalogue (not the shared one)."""
    return load_catalogue()


@pytest.fixture
def filed(cert_profiles, catalogue, verified, platform_trust, client):
    payments_seed()
    draft = answered(verified, catalogue.service)
    draft = services.draft_sign_trusted_profile(draft=draft, user=verified)
    client.force_login(verified)
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij/", {"idempotency_key": str(draft.idempotency_key)}
    )
    submission = Submission.objects.get()
    assert response["Location"] == f"/wnioski/{submission.public_id}/"
    return submission


def test_filing_issues_the_order_and_the_citizen_pays_in_the_sandbox_bank(filed, client):
    submission = filed
    [order] = PaymentOrder.objects.filter(subject_ref=subject_of(submission))
    assert (order.amount_grosze, order.status, order.payer) == (1700, "new", submission.submitter)
    page = client.get(f"/wnioski/{submission.public_id}/").content.decode()
    assert "Zapłać teraz" in page and "17,00" in page
    intake(submission)
    submission.refresh_from_db()
    order.refresh_from_db()
    assert order.case_sign == submission.case.sign and order.case_sign in order.title

    detail = client.get(f"/platnosci/{order.public_id}/").content.decode()
    assert order.virtual_account[4:8] in detail.replace(" ", "")
    assert "<svg" in detail and 'style="' not in detail
    qr = transfer_qr_text(order=order)
    assert qr.split("|")[:4] == ["", "PL", order.virtual_account[2:], "001700"]
    assert len(qr.split("|")) == 9

    bank = client.post(f"/platnosci/{order.public_id}/zaplac/", {"gateway": "sandbox"})
    assert bank.status_code == 302 and "/bank-testowy/" in bank["Location"]
    assert "17,00" in client.get(bank["Location"]).content.decode()
    wrong = client.post(bank["Location"], {"decision": "pay", "code": "12"})
    assert wrong.status_code == 400
    back = client.post(bank["Location"], {"decision": "pay", "code": "123456"})
    assert back["Location"].endswith(f"/platnosci/{order.public_id}/powrot/")
    client.get(back["Location"])
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    case_page = client.get(f"/sprawy/{submission.case.pk}/").content.decode()
    assert "Uiszczono opłatę w wysokości 17,00 zł." in case_page
    assert "status-paid" in case_page and "zapłacono" in case_page.lower()

    payment = order.payments.get(status="paid")
    pdf = client.get(f"/platnosci/potwierdzenie/{payment.public_id}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_another_citizen_sees_nothing(filed):
    order = PaymentOrder.objects.get()
    stranger = Client()
    stranger.force_login(VerifiedCitizenFactory(pesel=pesel(7)))
    assert stranger.get(f"/platnosci/{order.public_id}/").status_code == 404
    assert (
        stranger.post(f"/platnosci/{order.public_id}/zaplac/", {"gateway": "sandbox"}).status_code
        == 404
    )
    assert "Brak płatności" in stranger.get("/platnosci/").content.decode() or (
        order.title not in stranger.get("/platnosci/").content.decode()
    )


def test_payments_list_query_count(filed, client, django_assert_num_queries):
    first = PaymentOrder.objects.get()
    for n in range(3):  # more orders of other offices: still the same queries
        order_create(
            payer=first.payer,
            office=Office.objects.get(terc=("2469011", "2405", "24")[n]),
            fee_type="office_fee",
            amount_grosze=52500 + n,
            title=f"Opłata {n}",
            due_on=first.due_on,
            idempotency_key=f"list-{n}",
            subject_ref=f"test:{n}",
        )
    with django_assert_num_queries(5):
        page = client.get("/platnosci/").content.decode()
    assert re.search(r"17,00", page) and "525,02" in page and page.count("status-new") == 4


def test_unpaid_fee_calls_to_pay_then_returns_the_application(
    filed, client, django_capture_on_commit_callbacks, settings
):
    """The call to pay is a letter delivered with legal effect; the 7 days run from its
    delivery (KPA art. 261 § 1), not from sending, and only then is the application returned."""
    import datetime as dt

    from django.utils import timezone

    from documents.deadlines import legal_end
    from documents.models import CaseEvent, Delivery, InboxMessage, Letter
    from documents.services import inbox_open
    from documents.services.fee_effects import fee_calls_delivery_update
    from payments.services import orders_overdue_sweep

    intake(filed)
    filed.refresh_from_db()
    order = PaymentOrder.objects.get()
    day = order.due_on + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        orders_overdue_sweep(today=day)
    letter = Letter.objects.get(case=filed.case, title__startswith="Wezwanie do uiszczenia")
    assert "7 dni od dnia doręczenia" in letter.body and "17,00 zł" in letter.body
    assert "art. 261 § 1" in letter.body and letter.created_by is None
    [delivery] = Delivery.objects.filter(letter=letter)
    assert delivery.delivered_on is None
    order.refresh_from_db()
    assert order.call_ref == f"letter:{letter.public_id}" and order.call_delivered_on is None
    assert CaseEvent.objects.filter(case=filed.case, action="call_to_pay").exists()
    page = client.get(f"/platnosci/{order.public_id}/").content.decode()
    assert "7 dni od dnia doręczenia wezwania" in page
    # not delivered yet: a week and more after sending, nothing is returned
    assert fee_calls_delivery_update() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_overdue_sweep(today=day + dt.timedelta(days=8))["expired"] == 0
    filed.case.refresh_from_db()
    assert filed.case.status != "closed"
    # the applicant opens the letter: that is its delivery
    message = InboxMessage.objects.get(letter=letter)
    inbox_open(user=filed.submitter, message=message)
    delivered = Delivery.objects.get(pk=delivery.pk).delivered_on
    assert delivered == timezone.localdate()
    assert fee_calls_delivery_update() == 1
    order.refresh_from_db()
    due = legal_end(delivered + dt.timedelta(days=7))
    assert (order.call_delivered_on, order.due_on) == (delivered, due)
    assert "Zapłać do" in client.get(f"/platnosci/{order.public_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_overdue_sweep(today=due)["expired"] == 0
        assert orders_overdue_sweep(today=due + dt.timedelta(days=1))["expired"] == 1
    filed.case.refresh_from_db()
    assert filed.case.status == "closed"
    assert CaseEvent.objects.filter(case=filed.case, action="application_returned").exists()
    assert InboxMessage.objects.filter(notice="application_returned").count() == 1
    page = client.get(f"/sprawy/{filed.case.pk}/").content.decode()
    assert "pozostawiono bez rozpatrzenia" in page
