"""The finance clerks' pages, browser-free: the queue of credits to match (with refusals for
everyone but the office's finance staff), totals, the CSV export and refunds."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from offices.models import StaffRole
from offices.tests.factories import MembershipFactory, OfficeFactory
from payments.models import (
    CreditState,
    MatchRule,
    OrderStatus,
    Payment,
    Refund,
    RefundStatus,
    StatementCredit,
)
from payments.services.reconciliation import statement_import
from payments.tests.statements_setup import Books, snapshot
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

FILES = Path(__file__).parent / "statement_files"
pytestmark = pytest.mark.django_db
QUEUE = "/backoffice/platnosci/2466011/wplaty-do-wyjasnienia/"


def staff_of(office, role: str) -> Client:
    user = StaffFactory()
    MembershipFactory(user=user, office=office, role=role)
    client = Client()
    login_with_second_factor(client, user)
    client.user = user
    return client


@pytest.fixture
def imported(books: Books) -> Books:
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    statement_import(data=(FILES / "pko_bp_cp1250.sta").read_bytes())
    return books


def test_finance_clerk_sees_the_queue_with_a_pinned_query_count(
    imported: Books, django_assert_num_queries
):
    client = staff_of(imported.office, StaffRole.FINANCE)
    client.get(QUEUE)  # warm the session and the 2FA device
    with django_assert_num_queries(7):
        response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "ZNAK SPRAWY AB.6730.15.2026" in page
    assert "598,00\u00a0zł" in page and "10,00\u00a0zł" in page
    assert "17,00\u00a0zł" not in page  # matched by its virtual account: not in the queue
    assert "nr 214, wiersze 25–31" in page


def test_more_credits_do_not_add_queries(imported: Books, django_assert_num_queries):
    client = staff_of(imported.office, StaffRole.FINANCE)
    client.get(QUEUE)
    credit = StatementCredit.objects.filter(state=CreditState.UNMATCHED).first()
    for n in range(5):
        StatementCredit.objects.create(
            statement=credit.statement,
            account=credit.account,
            key=f"extra-{n}",
            amount_grosze=100 + n,
            value_date=credit.value_date,
            first_line=1,
            last_line=2,
            state=CreditState.UNMATCHED,
        )
    with django_assert_num_queries(7):
        assert client.get(QUEUE).status_code == 200


@pytest.mark.parametrize("role", [StaffRole.CLERK, StaffRole.HEAD, StaffRole.REGISTRY_CLERK])
def test_other_staff_of_the_office_are_refused(imported: Books, role):
    assert staff_of(imported.office, role).get(QUEUE).status_code == 403


def test_finance_clerk_of_another_office_is_refused_everywhere(imported: Books):
    other = OfficeFactory(terc="2469011")
    client = staff_of(other, StaffRole.FINANCE)
    for page in ("wplaty-do-wyjasnienia/", "zestawienia/", "eksport.csv", "zwroty/"):
        assert client.get(f"/backoffice/platnosci/2466011/{page}").status_code == 403
    credit = StatementCredit.objects.filter(state=CreditState.UNMATCHED).first()
    before = snapshot()
    response = client.post(
        QUEUE, {"credit": credit.pk, "action": "dismiss", f"d{credit.pk}-note": "nie nasze"}
    )
    assert response.status_code == 403
    # Their own queue does not reach this office's credit either.
    own = client.post(
        "/backoffice/platnosci/2469011/wplaty-do-wyjasnienia/",
        {"credit": credit.pk, "action": "dismiss", f"d{credit.pk}-note": "nie nasze"},
    )
    assert own.status_code == 404
    assert snapshot() == before


def test_citizen_and_anonymous_are_refused(imported: Books, client):
    assert client.get(QUEUE).status_code == 302  # to the login page
    citizen = imported.default_payer
    client.force_login(citizen)
    assert client.get(QUEUE).status_code == 403


def test_clerk_applies_a_credit_to_an_order_by_case_sign(imported: Books):
    order = imported.order(amount=1000, case_sign="AB.6730.15.2026")
    client = staff_of(imported.office, StaffRole.FINANCE)
    credit = StatementCredit.objects.get(amount_grosze=1000)
    response = client.post(
        QUEUE, {"credit": credit.pk, "action": "assign", f"c{credit.pk}-order": "ab.6730.15.2026"}
    )
    assert response.status_code == 302
    credit.refresh_from_db()
    order.refresh_from_db()
    assert (credit.state, credit.matched_by, credit.order) == (
        CreditState.ASSIGNED,
        MatchRule.CLERK,
        order,
    )
    assert credit.resolved_by == client.user
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).amount_grosze == 1000


def test_clerk_cannot_apply_a_credit_to_an_order_of_another_account(imported: Books):
    other = imported.order(amount=1000, account=imported.mbank)
    client = staff_of(imported.office, StaffRole.FINANCE)
    credit = StatementCredit.objects.get(amount_grosze=1000)
    before = snapshot()
    response = client.post(
        QUEUE,
        {"credit": credit.pk, "action": "assign", f"c{credit.pk}-order": other.virtual_account},
    )
    assert response.status_code == 400
    assert "Nie pasuje dokładnie jedno zlecenie tego rachunku." in response.content.decode()
    assert snapshot() == before


def test_clerk_sets_a_credit_aside_with_a_note(imported: Books):
    client = staff_of(imported.office, StaffRole.FINANCE)
    credit = StatementCredit.objects.get(amount_grosze=59800)
    refused = client.post(
        QUEUE, {"credit": credit.pk, "action": "dismiss", f"d{credit.pk}-note": ""}
    )
    assert refused.status_code == 400
    response = client.post(
        QUEUE, {"credit": credit.pk, "action": "dismiss", f"d{credit.pk}-note": "zwrot kaucji"}
    )
    assert response.status_code == 302
    credit.refresh_from_db()
    assert (credit.state, credit.note) == (CreditState.DISMISSED, "zwrot kaucji")
    assert "598,00" not in client.get(QUEUE).content.decode()


def test_totals_and_the_accounting_export(imported: Books):
    client = staff_of(imported.office, StaffRole.FINANCE)
    today = timezone.localdate()
    page = client.get(f"/backoffice/platnosci/2466011/zestawienia/?month={today:%Y-%m}")
    assert page.status_code == 200
    text = page.content.decode()
    assert today.strftime("%d.%m.%Y") in text
    assert "17,00\u00a0zł (1)" in text
    export = client.get(f"/backoffice/platnosci/2466011/eksport.csv?from={today}&to={today}")
    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(export.content.decode()), delimiter=";"))
    assert [(r["amount_grosze"], r["amount_pln"], r["channel"]) for r in rows] == [
        ("1700", "17.00", "transfer")
    ]
    first = rows[0]
    assert first["virtual_account"] == "PL59102024014201000000000101"
    assert first["bank_reference"] == "26331012345601"
    assert first["account"] == "PL50102024010000123400001234"
    assert first["settled_on"] == today.isoformat()
    yesterday = today - dt.timedelta(days=1)
    empty = client.get(f"/backoffice/platnosci/2466011/eksport.csv?from={yesterday}&to={yesterday}")
    assert len(empty.content.decode().splitlines()) == 1  # the header only


def test_refund_of_a_transfer_paid_order_is_requested_then_confirmed_sent(imported: Books):
    client = staff_of(imported.office, StaffRole.FINANCE)
    order = imported.pko.orders.get(virtual_account="PL59102024014201000000000101")
    response = client.post(
        "/backoffice/platnosci/2466011/zwroty/",
        {"action": "refund", "order": order.virtual_account, "reason": "wniosek zwrócony"},
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_grosze, refund.status) == (1700, RefundStatus.REQUESTED)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # until the transfer back is sent
    other = staff_of(OfficeFactory(terc="2469011"), StaffRole.FINANCE)
    refused = other.post(
        "/backoffice/platnosci/2466011/zwroty/", {"action": "sent", "refund": refund.pk}
    )
    assert refused.status_code == 403
    sent = client.post(
        "/backoffice/platnosci/2466011/zwroty/", {"action": "sent", "refund": refund.pk}
    )
    assert sent.status_code == 302
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == RefundStatus.DONE and refund.done_at is not None
    assert order.status == OrderStatus.REFUNDED
    again = client.post(
        "/backoffice/platnosci/2466011/zwroty/", {"action": "sent", "refund": refund.pk}
    )
    assert again.status_code == 409


def test_only_paid_orders_can_be_refunded(imported: Books):
    client = staff_of(imported.office, StaffRole.FINANCE)
    open_order = imported.order(amount=500, case_sign="AB.1.1.2026")
    response = client.post(
        "/backoffice/platnosci/2466011/zwroty/",
        {"action": "refund", "order": open_order.virtual_account, "reason": "wniosek zwrócony"},
    )
    assert response.status_code == 400
    assert not Refund.objects.exists()
