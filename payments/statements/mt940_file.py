"""MT940 statement files: the SWIFT tag grammar of the mt-940 library, Polish details, checks.

What the mt-940 library gives us and is used for: the tag patterns (``:28C:`` statement number,
``:60F:``/``:62F:`` balances, the ``:61:`` statement line with value date, entry date, mark,
funds code, amount, type, customer and bank references). Each tag's value is matched with the
library's compiled pattern (``Tag.parse``).

Where it stops, and what this module adds:

- encodings: the library falls back to CP852 for anything that is not UTF-8; Polish banks send
  Windows-1250 too, so the text is decoded here (:mod:`.encoding`);
- the Polish ``:86:`` sub-fields with ``~``, ``<`` or ``^`` separators (:mod:`.details86`); the
  library reads only the German ``?`` layout;
- line numbers: the library's ``Transactions.parse`` drops them (and costs a model object per
  value), so the file is split into tags here, each remembering its lines, and a refusal and
  every credit name their lines in the file;
- strictness: the library skips unknown tags and text it cannot place, accepts a statement
  without balances and keeps amounts as ``Decimal``; here an unknown tag, text outside a tag, a
  missing mandatory field, a value that does not fit the tag's pattern, an amount with more than
  two decimals, a currency other than the opening balance's, or balances that do not add up
  (opening + credits − debits ≠ closing) refuse the whole file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import mt940

from .accounts import normalise_account
from .details86 import read_details
from .encoding import decode_statement_text
from .types import Credit, Statement, StatementFile, StatementRejected

_TAG_LINE = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):")
_KNOWN = {str(tag_id) for tag_id in mt940.tags.TAG_BY_ID} | {"28C", "NS"}
_CONTINUED = {"61", "86", "NS"}
_NRB = re.compile(r"^(?:PL)?\d{26}$")
# SWIFT envelope and bank separators that carry no statement data.
_ENVELOPE = re.compile(r"^(?:\{[1-5]:[^}]*\}?)+$|^-\}?$|^\}$")
_AMOUNT = re.compile(r"^(\d{1,15}),(\d{0,2})$")
_YEAR_BOUNDARY_DAYS = 330

_STATEMENT_LINE = mt940.tags.Statement()
_BALANCE = mt940.tags.FinalOpeningBalance()
_NUMBER = mt940.tags.StatementNumber()


@dataclass
class _Tag:
    tag: str
    first: int
    last: int
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join([self.lines[0][len(self.tag) + 2 :], *self.lines[1:]]).strip()


def _blocks(text: str) -> list[list[_Tag]]:
    blocks: list[list[_Tag]] = []
    current: _Tag | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip().lstrip("\x01\x03")
        if not line:
            continue
        if line[0] == ":" and (match := _TAG_LINE.match(line)):
            tag = match.group("tag")
            if tag not in _KNOWN:
                raise StatementRejected(line=number, reason=f"unknown field :{tag}:")
            if tag == "20":
                blocks.append([])
            elif not blocks:
                raise StatementRejected(
                    line=number, reason=f"field :{tag}: before the statement's :20: field"
                )
            current = _Tag(tag=tag, first=number, last=number, lines=[line])
            blocks[-1].append(current)
            continue
        if line.lstrip()[:1] in ("{", "-", "}") and _ENVELOPE.match(line.strip()):
            current = None
            continue
        if current is None or current.tag not in _CONTINUED:
            raise StatementRejected(line=number, reason="text outside any MT940 field")
        current.lines.append(line)
        current.last = number
    if not blocks:
        raise StatementRejected(line=1, reason="no MT940 statement (no :20: field)")
    return blocks


def _match(pattern: mt940.tags.Tag, tag: _Tag) -> dict:
    found = pattern.re.match(tag.value)
    if found is None:
        raise StatementRejected(
            line=tag.first, reason=f"field :{tag.tag}: does not follow the MT940 layout"
        )
    return found.groupdict()


def _grosze(text: str, *, line: int) -> int:
    found = _AMOUNT.match(text or "")
    if found is None:
        raise StatementRejected(
            line=line, reason=f"{text!r} is not an amount with at most two decimal places"
        )
    return int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))


def _date(year: str, month: str, day: str, *, line: int) -> dt.date:
    try:
        return dt.date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise StatementRejected(line=line, reason=f"{year}{month}{day} is not a date") from None


def _balance(tag: _Tag) -> tuple[int, str]:
    data = _match(_BALANCE, tag)
    grosze = _grosze(data["amount"], line=tag.first)
    return (-grosze if data["status"] == "D" else grosze), data["currency"]


def _one(block: list[_Tag], *names: str) -> _Tag:
    for tag in block:
        if tag.tag in names:
            return tag
    wanted = " or ".join(f":{name}:" for name in names)
    raise StatementRejected(line=block[0].first, reason=f"the statement has no {wanted} field")


def _booking_date(data: dict, value_date: dt.date, *, line: int) -> dt.date | None:
    month, day = data.get("entry_month"), data.get("entry_day")
    if not (month and day and month.isdigit() and day.isdigit()):
        return None
    booking = _date(str(value_date.year % 100), month, day, line=line)
    if (value_date - booking).days >= _YEAR_BOUNDARY_DAYS:
        booking = booking.replace(year=booking.year + 1)
    elif (booking - value_date).days >= _YEAR_BOUNDARY_DAYS:
        booking = booking.replace(year=booking.year - 1)
    return booking


def _statement(block: list[_Tag]) -> Statement:
    account_tag = _one(block, "25")
    account = normalise_account(account_tag.value.lstrip("/"))
    if not account:
        raise StatementRejected(line=account_tag.first, reason="the account number is empty")
    number = _match(_NUMBER, _one(block, "28C", "28"))["statement_number"].lstrip("0") or "0"
    opening_tag = _one(block, "60F", "60M", "60")
    closing_tag = _one(block, "62F", "62M", "62")
    opening, currency = _balance(opening_tag)
    closing, closing_currency = _balance(closing_tag)
    if closing_currency != currency:
        raise StatementRejected(line=closing_tag.first, reason="the balances' currencies differ")
    credits: list[Credit] = []
    seen: dict[tuple, int] = {}
    movement = 0
    debit_count = 0
    for index, tag in enumerate(block):
        if tag.tag != "61":
            continue
        data = _match(_STATEMENT_LINE, tag)
        if data.get("funds_code") and data["funds_code"] != currency[2:]:
            raise StatementRejected(
                line=tag.first, reason=f"the line is not in the account's currency {currency}"
            )
        grosze = _grosze(data["amount"], line=tag.first)
        mark = data["status"]
        incoming = mark in ("C", "RD")
        movement += grosze if incoming else -grosze
        if mark != "C":
            debit_count += 1
            continue
        value_date = _date(data["year"], data["month"], data["day"], line=tag.first)
        following = block[index + 1] if index + 1 < len(block) else None
        details_tag = following if following is not None and following.tag == "86" else None
        details = read_details("".join(details_tag.lines)[4:]) if details_tag else None
        reference = (data.get("bank_reference") or "").strip()
        customer_reference = (data.get("customer_reference") or "").strip()
        credited = [normalise_account(customer_reference)] if _NRB.match(customer_reference) else []
        if details is not None:
            credited.extend(details.accounts_mentioned)
            title, name, payer = (
                details.title,
                details.counterparty_name,
                details.counterparty_account,
            )
        else:
            free_text = " ".join(details_tag.lines)[4:] if details_tag else ""
            title, name, payer = " ".join(free_text.split()), "", ""
        parts = (grosze, value_date.isoformat(), payer, title, reference)
        if reference and reference.upper() != "NONREF":
            key = f"ref:{reference}"
        else:
            occurrence = seen.get(parts, 0)
            seen[parts] = occurrence + 1
            digest = hashlib.sha256(repr((account, parts, occurrence)).encode()).hexdigest()
            key = f"line:{digest[:40]}"
        credits.append(
            Credit(
                amount_grosze=grosze,
                value_date=value_date,
                booking_date=_booking_date(data, value_date, line=tag.first),
                counterparty_name=name,
                counterparty_account=payer,
                title=title,
                bank_reference=reference,
                credited_accounts=tuple(dict.fromkeys(credited)),
                first_line=tag.first,
                last_line=details_tag.last if details_tag else tag.last,
                key=key,
            )
        )
    if opening + movement != closing:
        raise StatementRejected(
            line=closing_tag.first,
            reason=(
                "the closing balance does not equal the opening balance plus the statement lines "
                f"({opening + movement} ≠ {closing} grosze)"
            ),
        )
    return Statement(
        account=account,
        number=number,
        currency=currency,
        opening_grosze=opening,
        closing_grosze=closing,
        credits=tuple(credits),
        debit_count=debit_count,
        first_line=block[0].first,
    )


def parse_mt940(data: bytes) -> StatementFile:
    """Every statement in an MT940 file; refuses the whole file at the first problem."""
    text, encoding = decode_statement_text(data)
    statements = tuple(_statement(block) for block in _blocks(text))
    return StatementFile(
        format="mt940",
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        statements=statements,
    )
