"""Importing statements: matching order, partial and over-payments, idempotency, refusals
that change nothing, and the import_statement command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payments.models import (
    BankStatement,
    CreditState,
    MatchRule,
    OrderStatus,
    Payment,
    Refund,
    StatementCredit,
)
from payments.services.reconciliation import case_signs, statement_import
from payments.statements import StatementRejected
from payments.statements.samples import SampleCredit, mt940_bytes
from payments.tests.statements_setup import (
    MBANK_ACCOUNT,
    PKO_ACCOUNT,
    Books,
    snapshot,
)

FILES = Path(__file__).parent / "statement_files"
pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 27)


def _pko() -> bytes:
    return (FILES / "pko_bp_cp1250.sta").read_bytes()


def _file(credits: list[SampleCredit], *, number: int = 1, account: str = PKO_ACCOUNT) -> bytes:
    return mt940_bytes(account=account, number=number, day=DAY, credits=credits)


def _credit(amount: int, *, to: str = "", title: str = "WPŁATA", name: str = "", ref: str = ""):
    return SampleCredit(
        amount_grosze=amount,
        title=title,
        payer_name=name or "JAN KOWALSKI",
        payer_account="96105011130000000123456781",
        credited_account=to[2:] if to.startswith("PL") else to,
        reference=ref,
    )


def test_pko_statement_matches_by_virtual_account_and_title_and_queues_the_rest(books: Books):
    by_account = books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    by_title = books.order(amount=1700, case_sign="AB.6730.15.2026")
    result = statement_import(data=_pko(), file_name="pko.sta")
    assert (result.format, result.credits, result.total_grosze) == ("mt940", 3, 62500)
    assert (result.matched, result.unmatched, result.settled, result.partial) == (2, 1, 1, 1)
    by_account.refresh_from_db()
    by_title.refresh_from_db()
    assert by_account.status == OrderStatus.PAID and by_account.paid_at is not None
    assert by_title.status == OrderStatus.NEW  # 10 zł of 17 zł: partial, still open
    credits = {c.amount_grosze: c for c in StatementCredit.objects.all()}
    assert credits[1700].matched_by == MatchRule.VIRTUAL_ACCOUNT
    assert credits[1000].matched_by == MatchRule.TITLE and credits[1000].order == by_title
    assert credits[59800].state == CreditState.UNMATCHED and credits[59800].order is None
    assert (credits[59800].first_line, credits[59800].last_line) == (25, 31)
    payments = Payment.objects.order_by("amount_grosze")
    assert [(p.order_id, p.amount_grosze, p.channel, p.status) for p in payments] == [
        (by_title.pk, 1000, "transfer", "paid"),
        (by_account.pk, 1700, "transfer", "paid"),
    ]
    assert payments[1].payer_name == "JAN KOWALSKI"
    assert books.audit_actions()[-2:] == [
        "payments.order_transition",
        "payments.statement_imported",
    ]


def test_importing_the_same_statement_twice_changes_nothing(books: Books):
    order = books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    first = statement_import(data=_pko())
    before = snapshot()
    again = statement_import(data=_pko())
    assert again.already_imported and again.duplicates == 3
    assert (again.matched, again.unmatched, again.settled) == (0, 0, 0)
    assert again.statement_ids == first.statement_ids
    assert snapshot() == before
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_same_credits_in_another_file_are_not_applied_again(books: Books):
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    statement_import(data=_pko())
    payments = Payment.objects.count()
    recoded = _pko().decode("cp1250").encode("utf-8")  # same statement, another file
    result = statement_import(data=recoded)
    assert not result.already_imported and result.duplicates == 3
    assert (result.matched, result.unmatched) == (0, 0)
    assert Payment.objects.count() == payments
    assert StatementCredit.objects.count() == 3
    assert BankStatement.objects.count() == 2


def test_partial_payments_add_up_and_settle_the_order(books: Books):
    order = books.order(amount=1700)
    statement_import(data=_file([_credit(1000, to=order.virtual_account, ref="P1")], number=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW
    result = statement_import(
        data=_file([_credit(700, to=order.virtual_account, ref="P2")], number=2)
    )
    order.refresh_from_db()
    assert (result.settled, result.partial, result.surplus_grosze) == (1, 0, 0)
    assert order.status == OrderStatus.PAID
    assert not Refund.objects.exists()


def test_overpayment_settles_and_records_the_surplus_for_refund(books: Books):
    order = books.order(amount=1700)
    result = statement_import(data=_file([_credit(2000, to=order.virtual_account)]))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (result.settled, result.surplus_grosze) == (1, 300)
    credit = StatementCredit.objects.get()
    assert credit.surplus_grosze == 300
    refund = Refund.objects.get()
    assert (refund.amount_grosze, refund.status, refund.payment) == (
        300,
        "requested",
        credit.payment,
    )


def test_a_second_payment_of_a_paid_order_is_all_surplus(books: Books):
    order = books.order(amount=1700)
    statement_import(data=_file([_credit(1700, to=order.virtual_account, ref="R1")], number=1))
    result = statement_import(
        data=_file([_credit(1700, to=order.virtual_account, ref="R2")], number=2)
    )
    assert (result.matched, result.settled, result.surplus_grosze) == (1, 0, 1700)
    assert Refund.objects.get().amount_grosze == 1700


def test_late_transfer_settles_an_expired_order(books: Books):
    order = books.order(amount=1700, status=OrderStatus.EXPIRED)
    result = statement_import(data=_file([_credit(1700, to=order.virtual_account)]))
    order.refresh_from_db()
    assert result.settled == 1 and order.status == OrderStatus.PAID


def test_virtual_account_wins_over_title_and_title_over_amount_and_payer(books: Books):
    payer = books.payer(first_name="Anna", last_name="Nowak")
    named_by_account = books.order(amount=1700)
    named_by_title = books.order(amount=1700, case_sign="AB.6730.15.2026", payer=payer)
    same_amount_and_payer = books.order(amount=5000, payer=payer)
    title_order = books.order(amount=5000, case_sign="AB.6730.16.2026")
    result = statement_import(
        data=_file(
            [
                _credit(1700, to=named_by_account.virtual_account, title="AB.6730.15.2026"),
                _credit(5000, title="OPŁATA AB.6730.16.2026", name="ANNA NOWAK", ref="X2"),
                _credit(5000, title="OPŁATA", name="Nowak Anna, Gliwice", ref="X3"),
            ]
        )
    )
    assert (result.matched, result.unmatched) == (3, 0)
    rows = {c.bank_reference: c for c in StatementCredit.objects.all()}
    first = next(c for c in rows.values() if c.matched_by == MatchRule.VIRTUAL_ACCOUNT)
    assert first.order == named_by_account
    assert (rows["X2"].order, rows["X2"].matched_by) == (title_order, MatchRule.TITLE)
    assert (rows["X3"].order, rows["X3"].matched_by) == (
        same_amount_and_payer,
        MatchRule.AMOUNT_PAYER,
    )
    named_by_title.refresh_from_db()
    assert named_by_title.status == OrderStatus.NEW


def test_amount_and_payer_need_exactly_one_candidate(books: Books):
    payer = books.payer(first_name="Anna", last_name="Nowak")
    books.order(amount=5000, payer=payer)
    books.order(amount=5000, payer=payer)
    result = statement_import(data=_file([_credit(5000, name="ANNA NOWAK")]))
    assert (result.matched, result.unmatched) == (0, 1)


def test_orders_of_another_account_are_not_matched_by_title(books: Books):
    books.order(amount=1700, case_sign="AB.6730.15.2026", account=books.mbank)
    result = statement_import(data=_file([_credit(1700, title="AB.6730.15.2026")]))
    assert (result.matched, result.unmatched) == (0, 1)


def test_malformed_file_is_refused_and_changes_nothing(books: Books):
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    before = snapshot()
    broken = _pko().replace(b":62F:C261127PLN1620,00", b":62F:C261127PLN1620,10")
    with pytest.raises(StatementRejected) as caught:
        statement_import(data=broken)
    assert caught.value.line == 32
    assert snapshot() == before


def test_statement_of_an_account_no_office_keeps_is_refused(books: Books):
    data = _file([_credit(1700)], account="34124060030000111122223333")
    with pytest.raises(StatementRejected) as caught:
        statement_import(data=data)
    assert "is not a fee account of any office" in caught.value.reason
    assert not BankStatement.objects.exists()


def test_dry_run_computes_and_keeps_nothing(books: Books):
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    before = snapshot()
    result = statement_import(data=_pko(), dry_run=True)
    assert (result.dry_run, result.matched, result.unmatched, result.settled) == (True, 1, 2, 1)
    assert snapshot() == before


def test_command_prints_json_and_refuses_malformed_files(books: Books, tmp_path, capsys):
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    path = tmp_path / "wyciag.sta"
    path.write_bytes(_pko())
    call_command("import_statement", str(path), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert {
        k: printed[k] for k in ("format", "credits", "total_grosze", "matched", "unmatched")
    } == {
        "format": "mt940",
        "credits": 3,
        "total_grosze": 62500,
        "matched": 1,
        "unmatched": 2,
    }
    call_command("import_statement", str(path))
    assert capsys.readouterr().out.strip() == (
        "wyciag.sta: mt940 (cp1250), 1 statement(s), 3 credit(s) totalling 625.00 PLN; "
        "matched 0, unmatched 0, already imported 3, orders settled 0, partial 0, "
        "surplus 0.00 PLN"
    )
    camt = tmp_path / "camt.xml"
    camt.write_bytes((FILES / "camt053_001_08.xml").read_bytes())
    call_command("import_statement", str(camt), "--json", "--dry-run")
    printed = json.loads(capsys.readouterr().out)
    assert (printed["format"], printed["credits"], printed["dry_run"]) == (
        "camt.053.001.08",
        1,
        True,
    )
    before = snapshot()
    path.write_bytes(_pko().replace(b":61:2611271127CN10,00", b":61:2611271127CN10,001"))
    with pytest.raises(CommandError) as caught:
        call_command("import_statement", str(path), "--json")
    assert "line 16:" in str(caught.value) and "two decimal places" in str(caught.value)
    assert json.loads(capsys.readouterr().out) == {
        "error": "'10,001' is not an amount with at most two decimal places",
        "line": 16,
        "file": str(path),
    }
    assert snapshot() == before


def test_mbank_and_camt_statements_of_the_same_account(books: Books):
    order = books.order(
        amount=3400, case_sign="GKN.6831.7.2026", account=books.mbank, payer=books.payer()
    )
    mt940 = statement_import(data=(FILES / "mbank_utf8.sta").read_bytes())
    camt = statement_import(data=(FILES / "camt053_001_08.xml").read_bytes())
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (mt940.matched, mt940.unmatched, camt.matched, camt.unmatched) == (1, 1, 0, 1)
    assert StatementCredit.objects.filter(account=MBANK_ACCOUNT).count() == 3


def test_case_signs_are_found_in_glued_and_spaced_titles():
    assert case_signs("ZNAK SPRAWY AB.6730.15.2026OPŁATA") == ["AB.6730.15.2026"]
    assert case_signs("opłata gk-i.6730.7.2026 i GKN.6831.7.2026") == [
        "GK-I.6730.7.2026",
        "GKN.6831.7.2026",
    ]
    assert case_signs("rok 2026, kwota 17.00") == []


def test_settling_is_announced_once_for_the_set_and_audited_per_order(
    books: Books, django_capture_on_commit_callbacks
):
    from payments import signals
    from sekap.audit.models import AuditEntry
    from sekap.audit.services import verify_chain

    first = books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    second = books.order(amount=1700, case_sign="AB.6730.16.2026")
    credits = [
        _credit(1700, to="59102024014201000000000101", ref="S1"),
        _credit(1700, title="OPŁATA AB.6730.16.2026", ref="S2"),
    ]
    sets, singles = [], []

    def on_set(sender, *, orders, **_kwargs):
        sets.append(orders)

    def on_one(sender, *, order_id, subject_ref, **_kwargs):
        singles.append(order_id)

    signals.payments_settled.connect(on_set, dispatch_uid="test-set")
    signals.payment_settled.connect(on_one, dispatch_uid="test-one")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = statement_import(data=_file(credits))
    finally:
        signals.payments_settled.disconnect(dispatch_uid="test-set")
        signals.payment_settled.disconnect(dispatch_uid="test-one")
    assert result.settled == 2
    assert sets == [((first.pk, first.subject_ref), (second.pk, second.subject_ref))]
    assert sorted(singles) == [first.pk, second.pk]  # still sent to per-order receivers
    entries = AuditEntry.objects.filter(action="payments.order_transition").order_by("seq")
    first.refresh_from_db()
    head = entries[0]
    assert (head.target_type, head.target_id, head.target_repr, head.chain) == (
        "payments.paymentorder",
        str(first.pk),
        str(first),
        f"office:{first.office_id}",
    )
    assert [e.before for e in entries] == [{"status": "new"}, {"status": "new"}]
    assert verify_chain() is None


def test_dry_run_and_a_second_statement_in_one_transaction_leave_no_staging_behind(books: Books):
    books.order(amount=1700, virtual_account="PL59102024014201000000000101")
    dry = statement_import(data=_pko(), dry_run=True)
    assert dry.dry_run and dry.matched == 1 and StatementCredit.objects.count() == 0
    real = statement_import(data=_pko())
    assert (real.matched, real.unmatched) == (dry.matched, dry.unmatched)
