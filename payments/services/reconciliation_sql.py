"""Reconciliation on PostgreSQL, set-based: the same rules as ``reconciliation`` in a few SQL
statements instead of rows travelling through Python.

The statement's credits are copied (``COPY``) into a temporary table with what matching needs
of each: the candidate virtual accounts in order of precedence and the case signs found in the
title (both computed in Python, where the rules are written). Then, each one statement over the
whole set, on indexed columns:

1. credits already known (``account``, ``key``) are dropped (idempotence);
2. **virtual account**: the first candidate account that is an order's virtual account;
3. **title**: the orders of the statement's accounts whose case sign the title names; the only
   one, else the only open one of the credit's amount, else the only open one;
4. **amount and payer** runs in Python on what is left (usually nothing): it compares the
   payer's name words, which ``sekap.text.search_key`` defines;
5. an order in a state that takes no money (refunded) leaves its credit unmatched;
6. the payments: what was paid before each credit (the order's paid payments plus the earlier
   credits of this statement, in file order) gives the surplus, the settling credit and the
   partial payments; payments, credits and surplus refunds are inserted with
   ``INSERT … SELECT``, the settled orders go through ``orders_transition`` in its set form.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from ..models import (
    Channel,
    CreditState,
    MatchRule,
    OrderStatus,
    Payment,
    PaymentOrder,
    PaymentStatus,
    Refund,
    RefundStatus,
    StatementCredit,
)
from ..statements import Credit, Statement
from .finance import SURPLUS_REASON

STAGE = "payments_reconciliation_stage"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _array(values: list[str]) -> str:
    # Account digits and case signs (letters, digits, dots, hyphens): nothing to quote.
    return "{" + ",".join(values) + "}"


def _stage(statement: Statement, credits: list[Credit], *, title_accounts, case_signs) -> None:
    own = statement.account
    lines = []
    for index, credit in enumerate(credits):
        numbers = [*credit.credited_accounts, *title_accounts(credit.title), own]
        booking = credit.booking_date.isoformat() if credit.booking_date else "\\N"
        lines.append(
            f"{index}\t{_text(credit.key)}\t{credit.amount_grosze}\t"
            f"{credit.value_date.isoformat()}\t{booking}\t"
            f"{_text(credit.counterparty_name[:300])}\t{_text(credit.counterparty_account[:34])}\t"
            f"{_text(credit.title[:500])}\t{_text(credit.bank_reference[:100])}\t"
            f"{credit.first_line}\t{credit.last_line}\t"
            f"{_array(['PL' + digits for digits in dict.fromkeys(numbers)])}\t"
            f"{_array(case_signs(credit.title))}"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {STAGE} (
                idx integer PRIMARY KEY, key varchar(120) NOT NULL, amount bigint NOT NULL,
                value_date date NOT NULL, booking_date date, name varchar(300) NOT NULL,
                payer varchar(34) NOT NULL, title varchar(500) NOT NULL,
                reference varchar(100) NOT NULL, first_line integer NOT NULL,
                last_line integer NOT NULL, accounts text[] NOT NULL, signs text[] NOT NULL,
                order_id bigint, rule varchar(16) NOT NULL DEFAULT '', payment_id bigint,
                surplus bigint NOT NULL DEFAULT 0, settles boolean NOT NULL DEFAULT false,
                partial boolean NOT NULL DEFAULT false
            ) ON COMMIT DROP"""
        )
        if lines:
            cursor.cursor.copy_expert(
                f"COPY {STAGE} (idx, key, amount, value_date, booking_date, name, payer, title, "
                "reference, first_line, last_line, accounts, signs) FROM STDIN",
                _Lines(lines),
            )
        cursor.execute(f"ANALYZE {STAGE}")


class _Lines:
    """A file-like reader over COPY lines, so the whole text is never joined in memory."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._at = 0

    def read(self, size: int = -1) -> str:
        if self._at >= len(self._lines):
            return ""
        batch = self._lines[self._at : self._at + 2000]
        self._at += len(batch)
        return "\n".join(batch) + "\n"

    readline = read


class _NoNestedLoops:
    """Nested loops off for the statements inside (restored after): joins of the whole set
    with freshly loaded tables must not depend on statistics that are not there yet. Without
    them the planner paired a join key with another index of the table and scanned it for
    each credit (the case-sign join of the bench's second statement took 51 s, the paid
    totals minutes); a hash join reads each table once."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def __enter__(self) -> None:
        self.cursor.execute("SHOW enable_nestloop")
        self.saved = self.cursor.fetchone()[0]
        self.cursor.execute("SET LOCAL enable_nestloop = off")

    def __exit__(self, *_exc) -> None:
        self.cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [self.saved])


def _orders_table() -> str:
    return PaymentOrder._meta.db_table


def _match(*, account_ids: list[int], name_words) -> None:
    orders = _orders_table()
    open_states = [
        str(state) for state in (OrderStatus.NEW, OrderStatus.PENDING, OrderStatus.FAILED)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {STAGE} s SET order_id = m.order_id, rule = %s
                FROM (SELECT DISTINCT ON (c.idx) c.idx, o.id AS order_id
                      FROM {STAGE} c
                      CROSS JOIN LATERAL unnest(c.accounts) WITH ORDINALITY AS a(number, pos)
                      JOIN {orders} o ON o.virtual_account = a.number
                      ORDER BY c.idx, a.pos) m
                WHERE m.idx = s.idx""",  # noqa: S608
            [MatchRule.VIRTUAL_ACCOUNT],
        )
        with _NoNestedLoops(cursor):
            cursor.execute(
                f"""WITH signs AS MATERIALIZED (
                        SELECT c.idx, c.amount, unnest(c.signs) AS sign FROM {STAGE} c
                        WHERE c.order_id IS NULL AND cardinality(c.signs) > 0
                    ), candidates AS (
                        SELECT DISTINCT t.idx, t.amount, o.id, o.status = ANY(%(open)s) AS open,
                               o.amount_grosze = t.amount AS exact
                        FROM signs t
                        JOIN {orders} o ON o.case_sign = t.sign AND o.account_id = ANY(%(accounts)s)
                    ), chosen AS (
                        SELECT idx, CASE
                            WHEN count(*) = 1 THEN min(id)
                            WHEN count(*) FILTER (WHERE open AND exact) = 1
                                THEN min(id) FILTER (WHERE open AND exact)
                            WHEN count(*) FILTER (WHERE open) = 1 THEN min(id) FILTER (WHERE open)
                        END AS order_id
                        FROM candidates GROUP BY idx
                    )
                    UPDATE {STAGE} s SET order_id = chosen.order_id, rule = %(rule)s
                    FROM chosen WHERE chosen.idx = s.idx AND chosen.order_id IS NOT NULL""",  # noqa: S608
                {"open": open_states, "accounts": account_ids, "rule": MatchRule.TITLE},
            )
        cursor.execute(
            f"SELECT idx, amount, name FROM {STAGE} WHERE order_id IS NULL AND name <> ''"  # noqa: S608
        )
        left = cursor.fetchall()
        if not left:
            return
        cursor.execute(
            f"""SELECT o.id, o.amount_grosze, o.payer_id FROM {orders} o
                WHERE o.account_id = ANY(%s) AND o.status = ANY(%s) AND o.amount_grosze = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.order_id = o.id)""",  # noqa: S608
            [account_ids, open_states, sorted({amount for _idx, amount, _name in left})],
        )
        by_amount: dict[int, list[tuple[int, int]]] = {}
        for pk, amount, payer_id in cursor.fetchall():
            by_amount.setdefault(amount, []).append((pk, payer_id))
        payer_ids = sorted({payer for found in by_amount.values() for _pk, payer in found})
        names = {
            pk: name_words(f"{first} {last}")
            for pk, first, last in get_user_model()
            .objects.filter(pk__in=payer_ids)
            .values_list("pk", "first_name", "last_name")
        }
        chosen: list[tuple[int, int]] = []
        for idx, amount, name in left:
            words = name_words(name)
            fitting = [
                pk
                for pk, payer in by_amount.get(amount, ())
                if len(names.get(payer, ())) >= 2 and names[payer] <= words
            ]
            if len(fitting) == 1:
                chosen.append((idx, fitting[0]))
        if chosen:
            cursor.execute(
                f"""UPDATE {STAGE} s SET order_id = c.order_id, rule = %s
                    FROM unnest(%s::integer[], %s::bigint[]) AS c(idx, order_id)
                    WHERE c.idx = s.idx""",  # noqa: S608
                [MatchRule.AMOUNT_PAYER, [i for i, _ in chosen], [o for _, o in chosen]],
            )


def apply_set_based(
    *, statement: Statement, record: Any, credits: list[Credit], account_ids: list[int],
    applicable: tuple[str, ...], title_accounts, case_signs, name_words,
) -> tuple[int, list[int], dict[str, int]]:  # fmt: skip
    """Match and apply ``credits`` of ``statement`` (recorded as ``record``).

    Returns ``(duplicates, order ids to settle, counts)`` where counts has ``matched``,
    ``unmatched``, ``partial`` and ``surplus_grosze``."""
    _stage(statement, credits, title_accounts=title_accounts, case_signs=case_signs)
    orders, payments = _orders_table(), Payment._meta.db_table
    credits_table, refunds = StatementCredit._meta.db_table, Refund._meta.db_table
    now = timezone.now()
    paid, transfer = str(PaymentStatus.PAID), str(Channel.TRANSFER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""DELETE FROM {STAGE} s USING {credits_table} k
                WHERE k.account = %s AND k.key = s.key""",  # noqa: S608
            [statement.account],
        )
        duplicates = cursor.rowcount
        _match(account_ids=account_ids, name_words=name_words)
        cursor.execute(
            f"""UPDATE {STAGE} s SET order_id = NULL, rule = ''
                FROM {orders} o WHERE o.id = s.order_id AND NOT (o.status = ANY(%s))""",  # noqa: S608
            [[str(state) for state in applicable]],
        )
        # What was paid before each credit: the order's paid payments, plus the earlier
        # credits of this statement for the same order (file order). The paid totals are one
        # grouped join, not a subquery per credit (which paired ``status = 'paid'`` with the
        # payments' (status, created_at) index and scanned every paid payment per order).
        with _NoNestedLoops(cursor):
            cursor.execute(
                f"""WITH ids AS MATERIALIZED (
                        SELECT DISTINCT order_id FROM {STAGE} WHERE order_id IS NOT NULL
                    ), paid AS MATERIALIZED (
                        SELECT p.order_id, sum(p.amount_grosze) AS total
                        FROM {payments} p JOIN ids ON ids.order_id = p.order_id
                        WHERE p.status = %(paid)s GROUP BY p.order_id
                    ), m AS (
                        SELECT c.idx, c.amount, o.status = %(paid)s AS was_paid,
                               o.amount_grosze AS due,
                               CASE WHEN o.status = %(paid)s THEN 0
                                    ELSE coalesce(paid.total, 0) END
                               + coalesce(sum(c.amount) OVER (
                                   PARTITION BY c.order_id ORDER BY c.idx
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
                        FROM {STAGE} c JOIN {orders} o ON o.id = c.order_id
                        LEFT JOIN paid ON paid.order_id = c.order_id
                    )
                    UPDATE {STAGE} s SET
                        payment_id = nextval(pg_get_serial_sequence(%(payments)s, 'id')),
                        surplus = CASE WHEN m.was_paid THEN m.amount
                            ELSE greatest(0, m.before + m.amount - greatest(m.before, m.due)) END,
                        settles = NOT m.was_paid AND m.before < m.due
                            AND m.due <= m.before + m.amount,
                        partial = NOT m.was_paid AND m.before + m.amount < m.due
                    FROM m WHERE m.idx = s.idx""",  # noqa: S608
                {"paid": paid, "payments": payments},
            )
        prefix = f"SEKAP/{timezone.localtime(now).year}/"
        external = "left(%(account)s || ':' || s.key, 100)"
        cursor.execute(
            f"""INSERT INTO {payments} (id, public_id, order_id, channel, gateway, external_id,
                    amount_grosze, status, redirect_url, payer_name, payer_account,
                    receipt_number, created_at, settled_at)
                SELECT s.payment_id, gen_random_uuid(), s.order_id, %(transfer)s, '',
                    {external}, s.amount, %(paid)s, '', left(s.name, 200), s.payer,
                    %(prefix)s || lpad(s.payment_id::text,
                                       greatest(8, length(s.payment_id::text)), '0'),
                    %(now)s, %(now)s
                FROM {STAGE} s WHERE s.order_id IS NOT NULL ORDER BY s.idx""",  # noqa: S608
            {
                "transfer": transfer,
                "paid": paid,
                "account": statement.account,
                "prefix": prefix,
                "now": now,
            },
        )
        cursor.execute(
            f"""INSERT INTO {credits_table} (statement_id, account, key, amount_grosze,
                    value_date, booking_date, counterparty_name, counterparty_account, title,
                    bank_reference, first_line, last_line, state, matched_by, order_id,
                    surplus_grosze, note, payment_id)
                SELECT %(record)s, %(account)s, s.key, s.amount, s.value_date, s.booking_date,
                    s.name, s.payer, s.title, s.reference, s.first_line, s.last_line,
                    CASE WHEN s.order_id IS NULL THEN %(unmatched)s ELSE %(matched)s END,
                    s.rule, s.order_id, s.surplus, '', s.payment_id
                FROM {STAGE} s ORDER BY s.idx""",  # noqa: S608
            {
                "record": record.pk,
                "account": statement.account,
                "unmatched": str(CreditState.UNMATCHED),
                "matched": str(CreditState.MATCHED),
            },
        )
        cursor.execute(
            f"""INSERT INTO {refunds} (payment_id, amount_grosze, reason, status, external_id,
                    idempotency_key, created_at)
                SELECT s.payment_id, s.surplus, %(reason)s, %(requested)s, '',
                    'surplus:' || {external}, %(now)s
                FROM {STAGE} s WHERE s.surplus > 0 ORDER BY s.idx""",  # noqa: S608
            {
                "reason": str(SURPLUS_REASON),
                "requested": str(RefundStatus.REQUESTED),
                "account": statement.account,
                "now": now,
            },
        )
        cursor.execute(
            f"""SELECT count(order_id), count(*) - count(order_id),
                    count(*) FILTER (WHERE partial), coalesce(sum(surplus), 0)
                FROM {STAGE}"""  # noqa: S608
        )
        matched, unmatched, partial, surplus = cursor.fetchone()
        cursor.execute(f"SELECT order_id FROM {STAGE} WHERE settles")  # noqa: S608
        settle = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {STAGE}")
    counts = {
        "matched": matched,
        "unmatched": unmatched,
        "partial": partial,
        "surplus_grosze": int(surplus),
    }
    return duplicates, settle, counts
