"""Protocol tests of the Autopay and PayU adapters against local fakes (real HTTP servers in
threads): create, notify (valid, forged, duplicate, out of order, wrong amount), retrieve,
refund. ``transactional_db``: the adapters refuse to call out inside a transaction, so these
tests also prove that no HTTP call happens in one."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from django.db import transaction
from django.test import Client

from documents.tests.fixtures import pesel
from offices.tests.factories import OfficeFactory
from payments.errors import GatewayUnavailable
from payments.gateways import gateway
from payments.gateways.base import GatewayError
from payments.models import FeeAccount, OrderStatus, Payment, PaymentOrder, Refund
from payments.services import order_create, payment_refresh, payment_start, refund_request
from payments.services.seed import demo_iban
from payments.tests.fakes import FakeAutopay, FakePayU, bm_hash
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def autopay(settings):
    fake = FakeAutopay(service_id="102030", key="bm-shared-key")
    settings.PAYMENTS_GATEWAYS = {
        **settings.PAYMENTS_GATEWAYS,
        "autopay": {"base_url": fake.url, "service_id": "102030", "shared_key": "bm-shared-key"},
    }
    yield fake
    fake.close()


@pytest.fixture
def payu(settings):
    fake = FakePayU(pos_id="300746", client_id="300746", client_secret="cs", second_key="sk")
    settings.PAYMENTS_GATEWAYS = {
        **settings.PAYMENTS_GATEWAYS,
        "payu": {
            "base_url": fake.url,
            "pos_id": "300746",
            "client_id": "300746",
            "client_secret": "cs",
            "second_key": "sk",
        },
    }
    yield fake
    fake.close()


@pytest.fixture
def order():
    office = OfficeFactory()
    FeeAccount.objects.create(
        office=office,
        fee_type="stamp_duty",
        holder=office.unit,
        iban=demo_iban(fee_type="stamp_duty", terc=office.terc),
        collection_prefix="91" + str(office.pk).zfill(4),
        is_demo=True,
    )
    return order_create(
        payer=VerifiedCitizenFactory(pesel=pesel(3)),
        office=office,
        fee_type="stamp_duty",
        amount_grosze=59800,
        title="Opłata skarbowa – WZ, OR.6730.1.2026",
        due_on=dt.date(2026, 12, 7),
        idempotency_key=f"t:{uuid.uuid4()}",
        subject_ref="test:1",
    )


def start(order, name):
    return payment_start(
        order=order,
        payer=order.payer,
        gateway_name=name,
        return_url="https://sekap.example/platnosci/x/powrot/",
        notify_url=f"https://sekap.example/platnosci/powiadomienia/{name}/",
    )


def post(name, body, headers=None):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    ctype = (headers or {}).get("Content-Type", "application/x-www-form-urlencoded")
    return Client().post(
        f"/platnosci/powiadomienia/{name}/", data=body, content_type=ctype, **extra
    )


def status(order):
    return PaymentOrder.objects.get(pk=order.pk).status


def refused():
    return AuditEntry.objects.filter(action="payments.notification_refused").count()


# --- Autopay -----------------------------------------------------------------------------


def test_autopay_start_sends_the_hashed_form(autopay, order):
    payment = start(order, "autopay")
    assert payment.redirect_url.startswith(f"{autopay.url}/pay/")
    assert autopay.transactions[payment.public_id.hex]["amount"] == "598.00"
    assert payment.external_id == autopay.transactions[payment.public_id.hex]["remoteID"]
    assert status(order) == OrderStatus.PENDING


def test_autopay_itn_valid_duplicate_forged_wrong_amount_out_of_order(autopay, order):
    payment = start(order, "autopay")
    oid = payment.public_id.hex

    forged = post("autopay", autopay.itn(oid, "SUCCESS", key="not-the-key"))
    assert b"NOTCONFIRMED" in forged.content or forged.status_code == 400
    assert status(order) == OrderStatus.PENDING and refused() == 1

    cheap = post("autopay", autopay.itn(oid, "SUCCESS", amount="5.98"))
    assert b"NOTCONFIRMED" in cheap.content and status(order) == OrderStatus.PENDING
    assert refused() == 2

    failed = post("autopay", autopay.itn(oid, "FAILURE"))
    assert b"<confirmation>CONFIRMED</confirmation>" in failed.content
    assert status(order) == OrderStatus.FAILED

    paid = post("autopay", autopay.itn(oid, "SUCCESS"))  # failed → paid is honoured
    assert paid.status_code == 200 and b"<confirmation>CONFIRMED" in paid.content
    # the confirmation itself carries the hash the gateway checks
    confirmation_hash = bm_hash(["102030", oid, "CONFIRMED"], "bm-shared-key")
    assert confirmation_hash.encode() in paid.content
    assert status(order) == OrderStatus.PAID

    again = post("autopay", autopay.itn(oid, "SUCCESS"))  # duplicate: confirmed, no change
    assert b"<confirmation>CONFIRMED" in again.content
    late = post("autopay", autopay.itn(oid, "PENDING"))  # out of order: stale, confirmed
    assert b"<confirmation>CONFIRMED" in late.content
    assert status(order) == OrderStatus.PAID
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert refused() == 2


def test_autopay_itn_hash_follows_the_protocol_order_not_the_documents(autopay, order):
    """The fake sends the elements shuffled and hashes them in the protocol's order; an ITN
    hashed over the document's order instead is refused."""
    import base64
    import re
    from urllib.parse import urlencode

    payment = start(order, "autopay")
    oid = payment.public_id.hex
    autopay.transactions[oid]["status"] = "SUCCESS"
    xml = autopay.transaction_list(oid).decode()
    in_document_order = [
        value for value in re.findall(r">([^<>]+)</(?!hash)", xml) if value.strip()
    ]
    forged = re.sub(
        r"<hash>[0-9a-f]+</hash>",
        f"<hash>{bm_hash(in_document_order, 'bm-shared-key')}</hash>",
        xml,
    )
    body = urlencode({"transactions": base64.b64encode(forged.encode()).decode()}).encode()
    assert b"<confirmation>CONFIRMED" not in post("autopay", body).content
    assert status(order) == OrderStatus.PENDING and refused() == 1
    paid = post("autopay", autopay.itn(oid, "SUCCESS"))
    assert b"<confirmation>CONFIRMED" in paid.content and status(order) == OrderStatus.PAID


def test_autopay_status_and_refund(autopay, order):
    payment = start(order, "autopay")
    autopay.transactions[payment.public_id.hex]["status"] = "SUCCESS"  # ITN lost
    assert payment_refresh(payment=payment) == "accepted"
    assert status(order) == OrderStatus.PAID
    payment.refresh_from_db()
    refund = refund_request(
        payment=payment, amount_grosze=59800, reason="zwrot podania", key="refund-1"
    )
    # Autopay's answer names the request (MessageID), not yet the refund (remoteOutID)
    assert refund.status == "done"
    assert refund.external_id == hashlib.sha256(b"refund-1").hexdigest()[:32]
    # the whole amount: no Amount is sent (nor a currency), the payment's amount goes back
    assert autopay.refunds == [{"remoteID": payment.external_id, "amount": "598.00"}]
    assert [path for _method, path in autopay.requests][-1] == "/settlementapi/transactionRefund"
    assert status(order) == OrderStatus.REFUNDED
    # the same key again changes nothing and asks the gateway nothing
    calls = len(autopay.requests)
    refund_request(payment=payment, amount_grosze=59800, reason="x", key="refund-1")
    assert len(autopay.requests) == calls and Refund.objects.count() == 1


def test_autopay_partial_refund_sends_the_amount_and_a_refusal_is_an_error(autopay, order):
    payment = start(order, "autopay")
    autopay.transactions[payment.public_id.hex]["status"] = "SUCCESS"
    payment_refresh(payment=payment)
    payment.refresh_from_db()
    refund_request(payment=payment, amount_grosze=1700, reason="część", key="part-1")
    assert autopay.refunds == [{"remoteID": payment.external_id, "amount": "17.00"}]
    payment.external_id = "UNKNOWN"  # Autopay answers with statusCode/name/description
    with pytest.raises(GatewayError, match="REFUND_REFUSED"):
        gateway("autopay").refund(payment=payment, amount_grosze=1700, key="part-2")


def test_autopay_answer_with_a_bad_hash_is_refused(autopay, order):
    autopay.key = "changed-on-their-side"
    with pytest.raises(GatewayUnavailable):
        start(order, "autopay")
    assert status(order) == OrderStatus.NEW
    assert Payment.objects.get().status == "failed"


def test_no_gateway_call_inside_a_transaction(autopay, order):
    payment = Payment.objects.create(
        order=order, channel="gateway", gateway="autopay", amount_grosze=order.amount_grosze
    )
    with transaction.atomic(), pytest.raises(GatewayError):
        gateway("autopay").retrieve(payment=payment)
    assert autopay.requests == []


# --- PayU --------------------------------------------------------------------------------


def test_payu_oauth_and_create(payu, order):
    payment = start(order, "payu")
    assert payment.redirect_url.startswith(f"{payu.url}/pay/")
    created = payu.orders[payment.external_id]
    assert created["totalAmount"] == "59800" and created["extOrderId"] == str(payment.public_id)
    assert created["notifyUrl"].endswith("/platnosci/powiadomienia/payu/")
    start_again = start(order, "payu")  # a second attempt reuses the OAuth token
    assert start_again.external_id != payment.external_id and payu.token_requests == 1


def test_payu_notifications(payu, order):
    payment = start(order, "payu")
    oid = payment.external_id

    body, headers = payu.notification(oid, "COMPLETED", key="forged")
    assert post("payu", body, headers).status_code == 400 and refused() == 1
    body, headers = payu.notification(oid, "COMPLETED", amount="100")
    assert post("payu", body, headers).status_code == 400 and refused() == 2
    assert status(order) == OrderStatus.PENDING

    body, headers = payu.notification(oid, "PENDING", algorithm="SHA-256")
    assert post("payu", body, headers).status_code == 200
    body, headers = payu.notification(oid, "COMPLETED")
    assert post("payu", body, headers).status_code == 200
    assert status(order) == OrderStatus.PAID
    assert post("payu", body, headers).status_code == 200  # duplicate
    late, late_headers = payu.notification(oid, "PENDING")
    assert post("payu", late, late_headers).status_code == 200  # out of order: stale
    assert status(order) == OrderStatus.PAID and refused() == 2


def test_payu_canceled_then_completed_is_honoured(payu, order):
    payment = start(order, "payu")
    body, headers = payu.notification(payment.external_id, "CANCELED")
    post("payu", body, headers)
    assert status(order) == OrderStatus.FAILED
    body, headers = payu.notification(payment.external_id, "COMPLETED")
    post("payu", body, headers)
    assert status(order) == OrderStatus.PAID


def test_payu_retrieve_and_refund(payu, order):
    payment = start(order, "payu")
    payu.orders[payment.external_id]["status"] = "COMPLETED"  # notification lost
    assert payment_refresh(payment=payment) == "accepted"
    assert status(order) == OrderStatus.PAID
    payment.refresh_from_db()
    refund = refund_request(payment=payment, amount_grosze=59800, reason="zwrot", key="r-1")
    assert refund.status == "done" and refund.external_id == "5000000"
    assert payu.refunds[0]["amount"] == "59800" and payu.refunds[0]["extRefundId"] == "r-1"
    assert status(order) == OrderStatus.REFUNDED
