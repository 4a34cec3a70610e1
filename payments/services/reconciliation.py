"""Reconciliation: credits of an imported bank statement matched to payment orders.

``statement_import(data=...)`` reads the file (``payments.statements``), refuses it whole with
the line and the reason when it is malformed, and otherwise, in one transaction:

1. records the statement (identity: account, number, SHA-256 of the file) and skips credits
   already known from any earlier file (identity: account and the bank's reference, or a hash
   of the line when the bank gives none), so importing the same statement twice changes
   nothing;
2. matches each new credit, in this order: by **virtual account** (the credited account the
   bank names, an NRB written in the title, or the statement's own account), then by
   **title** (a case sign naming orders of the account: the only one, else the only open one
   of the credit's amount, else the only open one), then by **amount and payer** (the only
   open order of the account with that amount whose payer's name is in the counterparty);
3. applies each matched credit as a transfer payment; an order whose payments now cover its
   amount is settled through ``orders_transition`` (the orders' one transition service, in its
   set form), a partial payment leaves the order open with what was paid recorded, and
   whatever exceeds the amount (or a payment of an order already paid) is recorded as a
   surplus with a refund requested, to be made by bank transfer;
4. leaves the rest unmatched, in the clerks' queue of the offices the account belongs to.

Every step works on sets: candidate orders, paid totals and known credits are read with a few
``IN`` queries per five thousand credits, and rows are written with bulk inserts, so the cost
does not grow with round trips per credit. The import is audited once (the statement) and
each settled order once (its transition).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from sekap import audit
from sekap.bulk import insert_rows, reserve_ids
from sekap.text import search_key

from ..models import (
    BankStatement,
    Channel,
    CreditState,
    FeeAccount,
    MatchRule,
    OrderStatus,
    Payment,
    PaymentOrder,
    PaymentStatus,
    Refund,
    StatementCredit,
)
from ..statements import Credit, Statement, StatementRejected, read_statement_file
from ..statements.accounts import is_valid_nrb, normalise_account
from .finance import SURPLUS_REASON
from .orders import orders_transition
from .reconciliation_sql import apply_set_based

CHUNK = 5000
_LETTER = "A-ZĄĆĘŁŃÓŚŹŻ"
_CASE_SIGN = re.compile(
    rf"(?<![{_LETTER}0-9-])([{_LETTER}][{_LETTER}0-9-]{{0,9}}\.\d{{1,4}}(?:\.\d{{1,7}}){{1,2}}\.\d{{4}})(?!\d)"
)
_NRB_IN_TITLE = re.compile(r"(?<!\d)(?:PL)?\d{2}(?: ?\d{4}){6}(?!\d)")
OPEN = (OrderStatus.NEW, OrderStatus.PENDING, OrderStatus.FAILED)
# Money that really arrived settles an expired or cancelled order too (see orders.TRANSITIONS).
SETTLEABLE = (*OPEN, OrderStatus.EXPIRED, OrderStatus.CANCELLED)


@dataclass
class ImportResult:
    format: str
    encoding: str
    statements: int = 0
    credits: int = 0
    total_grosze: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    settled: int = 0
    partial: int = 0
    surplus_grosze: int = 0
    dry_run: bool = False
    already_imported: bool = False
    statement_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


class _DryRun(Exception):
    pass


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def case_signs(title: str) -> list[str]:
    """Case signs (``DEPT.JRWA.N.YEAR``) written in a transfer title, upper-cased."""
    return _CASE_SIGN.findall(title.upper())


def _title_accounts(title: str) -> list[str]:
    found = (normalise_account(m.group(0)) for m in _NRB_IN_TITLE.finditer(title))
    return [digits for digits in found if is_valid_nrb(digits)]


def _name_words(text: str) -> frozenset[str]:
    return frozenset(word for word in re.split(r"\W+", search_key(text)) if len(word) > 1)


class _Order(NamedTuple):
    """What matching needs of an order (read as plain rows: no model instance per order)."""

    pk: int
    amount_grosze: int
    status: str
    case_sign: str
    payer_id: int
    virtual_account: str


@dataclass
class _Match:
    credit: Credit
    order: _Order | None = None
    rule: str = ""


def _orders_where(**lookup: Any) -> list[_Order]:
    rows = PaymentOrder.objects.filter(**lookup).values_list(*_Order._fields)
    return [_Order._make(row) for row in rows]


def _by_virtual_account(statement: Statement, matches: list[_Match]) -> None:
    wanted: list[list[str]] = []
    for match in matches:
        numbers = [*match.credit.credited_accounts, *_title_accounts(match.credit.title)]
        numbers.append(statement.account)
        wanted.append([f"PL{digits}" for digits in dict.fromkeys(numbers)])
    by_account: dict[str, _Order] = {}
    for chunk in _chunks(sorted({number for numbers in wanted for number in numbers})):
        by_account.update(
            (order.virtual_account, order) for order in _orders_where(virtual_account__in=chunk)
        )
    for match, numbers in zip(matches, wanted, strict=True):
        found = next((by_account[number] for number in numbers if number in by_account), None)
        if found is not None:
            match.order, match.rule = found, MatchRule.VIRTUAL_ACCOUNT


def _choose(candidates: list[_Order], amount: int) -> _Order | None:
    if len(candidates) == 1:
        return candidates[0]
    open_orders = [order for order in candidates if order.status in OPEN]
    exact = [order for order in open_orders if order.amount_grosze == amount]
    if len(exact) == 1:
        return exact[0]
    return open_orders[0] if len(open_orders) == 1 else None


def _by_title(matches: list[_Match], account_ids: list[int]) -> None:
    pending = [match for match in matches if match.order is None]
    signs = [case_signs(match.credit.title) for match in pending]
    by_sign: dict[str, list[_Order]] = defaultdict(list)
    for chunk in _chunks(sorted({sign for found in signs for sign in found})):
        for order in _orders_where(case_sign__in=chunk, account_id__in=account_ids):
            by_sign[order.case_sign.upper()].append(order)
    for match, found in zip(pending, signs, strict=True):
        candidates = {order.pk: order for sign in found for order in by_sign.get(sign, [])}
        chosen = _choose(list(candidates.values()), match.credit.amount_grosze)
        if chosen is not None:
            match.order, match.rule = chosen, MatchRule.TITLE


def _by_amount_and_payer(matches: list[_Match], account_ids: list[int]) -> None:
    pending = [m for m in matches if m.order is None and m.credit.counterparty_name]
    taken = {match.order.pk for match in matches if match.order is not None}
    by_amount: dict[int, list[_Order]] = defaultdict(list)
    for chunk in _chunks(sorted({match.credit.amount_grosze for match in pending})):
        for order in _orders_where(
            amount_grosze__in=chunk, account_id__in=account_ids, status__in=OPEN
        ):
            by_amount[order.amount_grosze].append(order)
    names: dict[int, frozenset[str]] = {}
    payer_ids = sorted({order.payer_id for orders in by_amount.values() for order in orders})
    for chunk in _chunks(payer_ids):
        users = get_user_model().objects.filter(pk__in=chunk)
        for pk, first, last in users.values_list("pk", "first_name", "last_name"):
            names[pk] = _name_words(f"{first} {last}")
    for match in pending:
        words = _name_words(match.credit.counterparty_name)
        fitting = [
            order
            for order in by_amount.get(match.credit.amount_grosze, [])
            if order.pk not in taken
            and len(names.get(order.payer_id, ())) >= 2
            and names[order.payer_id] <= words
        ]
        if len(fitting) == 1:
            match.order, match.rule = fitting[0], MatchRule.AMOUNT_PAYER


def match_credits(
    statement: Statement, credits: list[Credit], accounts: list[FeeAccount]
) -> list[_Match]:
    """Each credit with the order it pays and the rule that found it (or no order)."""
    matches = [_Match(credit=credit) for credit in credits]
    account_ids = [account.pk for account in accounts]
    _by_virtual_account(statement, matches)
    _by_title(matches, account_ids)
    _by_amount_and_payer(matches, account_ids)
    return matches


def _paid_so_far(order_ids: list[int]) -> dict[int, int]:
    """What was paid so far for each of the orders (by the index of payments' order key; a
    join over all the accounts' orders is at the mercy of the planner's statistics)."""
    paid: dict[int, int] = {}
    for chunk in _chunks(order_ids):
        rows = (
            Payment.objects.filter(order_id__in=chunk, status=PaymentStatus.PAID)
            .values("order_id")
            .annotate(total=Sum("amount_grosze"))
        )
        paid.update({row["order_id"]: int(row["total"]) for row in rows})
    return paid


_CREDIT_FIELDS = (
    "statement",
    "account",
    "key",
    "amount_grosze",
    "value_date",
    "booking_date",
    "counterparty_name",
    "counterparty_account",
    "title",
    "bank_reference",
    "first_line",
    "last_line",
    "state",
    "matched_by",
    "order",
    "surplus_grosze",
    "note",
)
_PAYMENT_FIELDS = (
    "id",
    "public_id",
    "order",
    "channel",
    "gateway",
    "external_id",
    "amount_grosze",
    "status",
    "redirect_url",
    "payer_name",
    "payer_account",
    "receipt_number",
    "created_at",
    "settled_at",
)


def _external_id(account: str, key: str) -> str:
    return f"{account}:{key}"[:100]


def _apply(
    statement: Statement,
    record: BankStatement,
    matches: list[_Match],
    *,
    actor: Any,
    result: ImportResult,
) -> None:
    # A paid order's new credit is all surplus: only the others' paid totals are read.
    unpaid = {m.order.pk for m in matches if m.order and m.order.status != OrderStatus.PAID}
    paid = _paid_so_far(sorted(unpaid))
    settle: list[int] = []
    now = timezone.now()
    # Keys and receipt numbers (``SEKAP/<year>/<key>``, as ``transfer_record`` numbers them)
    # are known before the rows are written, so nothing is read back or updated afterwards.
    payment_ids = iter(reserve_ids(Payment, count=sum(1 for m in matches if _applicable(m.order))))
    receipt_prefix = f"SEKAP/{timezone.localtime(now).year}/"
    credit_rows: list[list] = []
    payment_rows: list[list] = []
    refunds: list[Refund] = []
    for match in matches:
        credit, order = match.credit, match.order
        state, rule, order_id, surplus, payment_id = CreditState.UNMATCHED, "", None, 0, None
        if order is None or not _applicable(order):
            result.unmatched += 1
        else:
            result.matched += 1
            state, rule, order_id = CreditState.MATCHED, match.rule, order.pk
            amount = credit.amount_grosze
            before = paid.get(order.pk, 0)
            paid[order.pk] = before + amount
            if order.status == OrderStatus.PAID:
                surplus = amount  # paid twice: all of it goes back
            else:
                surplus = max(0, before + amount - max(before, order.amount_grosze))
                if before < order.amount_grosze <= before + amount:
                    settle.append(order.pk)
                elif before + amount < order.amount_grosze:
                    result.partial += 1
            external_id = _external_id(statement.account, credit.key)
            payment_id = next(payment_ids)
            if surplus:
                refunds.append(
                    Refund(
                        payment_id=payment_id,
                        amount_grosze=surplus,
                        reason=SURPLUS_REASON,
                        idempotency_key=f"surplus:{external_id}",
                    )
                )
            result.surplus_grosze += surplus
            payment_rows.append(
                [
                    payment_id,
                    uuid.uuid4(),
                    order.pk,
                    Channel.TRANSFER,
                    "",
                    external_id,
                    amount,
                    PaymentStatus.PAID,
                    "",
                    credit.counterparty_name[:200],
                    credit.counterparty_account[:34],
                    f"{receipt_prefix}{payment_id:08d}",
                    now,
                    now,
                ]
            )
        credit_rows.append(
            [
                record.pk,
                statement.account,
                credit.key,
                credit.amount_grosze,
                credit.value_date,
                credit.booking_date,
                credit.counterparty_name[:300],
                credit.counterparty_account[:34],
                credit.title[:500],
                credit.bank_reference[:100],
                credit.first_line,
                credit.last_line,
                state,
                rule,
                order_id,
                surplus,
                "",
                payment_id,
            ]
        )
    insert_rows(Payment, fields=_PAYMENT_FIELDS, rows=payment_rows)
    insert_rows(StatementCredit, fields=(*_CREDIT_FIELDS, "payment"), rows=credit_rows)
    Refund.objects.bulk_create(refunds, batch_size=2000)
    if settle:
        moved = orders_transition(
            order_ids=settle, to=OrderStatus.PAID, actor=actor, reason=f"bank statement {record.pk}"
        )
        result.settled += len(moved)


def _applicable(order: _Order | None) -> bool:
    return order is not None and order.status in (*SETTLEABLE, OrderStatus.PAID)


def _apply_in_database(
    statement: Statement, record: BankStatement, accounts: list[FeeAccount], *, actor: Any,
    result: ImportResult,
) -> int:  # fmt: skip
    """``_apply(match_credits(...))`` as a few set-based statements (PostgreSQL); returns the
    number of credits already known."""
    duplicates, settle, counts = apply_set_based(
        statement=statement,
        record=record,
        credits=list(statement.credits),
        account_ids=[account.pk for account in accounts],
        applicable=(*SETTLEABLE, OrderStatus.PAID),
        title_accounts=_title_accounts,
        case_signs=case_signs,
        name_words=_name_words,
    )
    result.matched += counts["matched"]
    result.unmatched += counts["unmatched"]
    result.partial += counts["partial"]
    result.surplus_grosze += counts["surplus_grosze"]
    if settle:
        moved = orders_transition(
            order_ids=settle, to=OrderStatus.PAID, actor=actor, reason=f"bank statement {record.pk}"
        )
        result.settled += len(moved)
    return duplicates


def _import_statement(
    statement: Statement, *, parsed_format: str, encoding: str, sha256: str, file_name: str,
    actor: Any, result: ImportResult,
) -> None:  # fmt: skip
    accounts = list(FeeAccount.objects.select_for_update().filter(iban=f"PL{statement.account}"))
    if not accounts:
        raise StatementRejected(
            line=statement.first_line,
            reason=f"account PL{statement.account} is not a fee account of any office",
        )
    total = sum(credit.amount_grosze for credit in statement.credits)
    result.credits += len(statement.credits)
    result.total_grosze += total
    existing = BankStatement.objects.filter(
        account=statement.account, number=statement.number, sha256=sha256
    ).first()
    if existing is not None:
        result.duplicates += len(statement.credits)
        result.already_imported = True
        result.statement_ids.append(existing.pk)
        return
    record = BankStatement.objects.create(
        format=parsed_format,
        encoding=encoding,
        account=statement.account,
        number=statement.number,
        sha256=sha256,
        file_name=file_name[:255],
        opening_grosze=statement.opening_grosze,
        closing_grosze=statement.closing_grosze,
        credit_count=len(statement.credits),
        total_grosze=total,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    result.statement_ids.append(record.pk)
    matched, unmatched = result.matched, result.unmatched
    if connection.vendor == "postgresql":
        duplicates = _apply_in_database(statement, record, accounts, actor=actor, result=result)
    else:
        known: set[str] = set()
        for chunk in _chunks([credit.key for credit in statement.credits]):
            found = StatementCredit.objects.filter(account=statement.account, key__in=chunk)
            known.update(found.values_list("key", flat=True))
        fresh = [credit for credit in statement.credits if credit.key not in known]
        duplicates = len(statement.credits) - len(fresh)
        _apply(
            statement,
            record,
            match_credits(statement, fresh, accounts),
            actor=actor,
            result=result,
        )
    result.duplicates += duplicates
    audit.record(
        actor=actor,
        action="payments.statement_imported",
        target=record,
        after={
            "format": parsed_format,
            "account": statement.account,
            "number": statement.number,
            "sha256": sha256,
            "new_credits": len(statement.credits) - duplicates,
            "duplicates": duplicates,
            "matched": result.matched - matched,
            "unmatched": result.unmatched - unmatched,
        },
    )


def statement_import(
    *, data: bytes, file_name: str = "", actor: Any = None, dry_run: bool = False
) -> ImportResult:
    """Import a statement file (MT940 or camt.053), all or nothing.

    Raises :class:`StatementRejected` (line and reason) for a malformed file or an account that
    is no office's fee account; nothing is written then. With ``dry_run`` everything is
    computed in a transaction that is rolled back (no audit entry, no signal)."""
    parsed = read_statement_file(data)
    result = ImportResult(format=parsed.format, encoding=parsed.encoding, dry_run=dry_run)
    result.statements = len(parsed.statements)
    try:
        with transaction.atomic():
            for statement in parsed.statements:
                _import_statement(
                    statement,
                    parsed_format=parsed.format,
                    encoding=parsed.encoding,
                    sha256=parsed.sha256,
                    file_name=file_name,
                    actor=actor,
                    result=result,
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result
