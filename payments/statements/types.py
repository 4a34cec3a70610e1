"""Typed results of reading a bank statement file, independent of its format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sekap.errors import DomainError


class StatementRejected(DomainError):
    """The file is not a statement we can read; nothing was changed.

    ``line`` is the 1-based line of the file where the problem is (0 when it concerns the whole
    file) and ``reason`` says what is wrong in words an operator can act on.
    """

    code = "statement.rejected"

    def __init__(self, *, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True, slots=True)
class Credit:
    """One credit (money in) on a statement, amount in grosze."""

    amount_grosze: int
    value_date: dt.date
    booking_date: dt.date | None
    counterparty_name: str
    counterparty_account: str
    title: str
    bank_reference: str
    # Account numbers (NRB digits) the bank names as the credited account of this line: a
    # virtual account when the payer transferred to one. Empty when only the statement's
    # account is known.
    credited_accounts: tuple[str, ...]
    first_line: int
    last_line: int
    key: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    account: str  # NRB digits of the account the statement is for (26 digits for PL)
    number: str
    currency: str
    opening_grosze: int
    closing_grosze: int
    credits: tuple[Credit, ...]
    debit_count: int
    first_line: int


@dataclass(frozen=True, slots=True)
class StatementFile:
    format: str  # "mt940", "camt.053.001.02", "camt.053.001.08"
    encoding: str
    sha256: str
    statements: tuple[Statement, ...] = field(default_factory=tuple)

    @property
    def credits(self) -> list[Credit]:
        return [credit for statement in self.statements for credit in statement.credits]

    @property
    def total_grosze(self) -> int:
        return sum(credit.amount_grosze for credit in self.credits)
