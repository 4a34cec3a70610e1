"""ISO 20022 camt.053 (Bank-to-Customer Statement), versions 001.02 and 001.08.

Parsed once by the project's hardened XML parser (``sekap.xmlsafe.parse_untrusted``: no
DTDs, entities or network) and read with namespace-qualified paths. Each credit entry gives one
credit per transaction detail (a batch booking of several transfers is split), with the
remittance text as title, the debtor as counterparty and the creditor account as the credited
(virtual) account. The differences between the versions that matter here:

- status: ``<Sts>BOOK</Sts>`` (02) or ``<Sts><Cd>BOOK</Cd></Sts>`` (08); only booked entries count;
- the amount of one transaction: ``AmtDtls/TxAmt/Amt`` (02) or ``Amt`` (08), either accepted;
- party names: ``Dbtr/Nm`` (02) or ``Dbtr/Pty/Nm`` (08).

A file is refused (with the element's line) when an amount is not a non-negative amount with at
most two decimals, a credit's transaction amounts do not add up to the entry, a currency differs
from the account's, or the opening balance plus the entries differs from the closing balance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings

from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted

from .accounts import normalise_account
from .types import Credit, Statement, StatementFile, StatementRejected

NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "camt.053.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "camt.053.001.08",
}


def _limits() -> ParseLimits:
    return ParseLimits(
        max_bytes=getattr(settings, "PAYMENTS_STATEMENT_MAX_BYTES", 256 * 1024 * 1024),
        max_depth=32,
        max_elements=getattr(settings, "PAYMENTS_STATEMENT_MAX_ELEMENTS", 8_000_000),
    )


class _Reader:
    """Reads elements by their path of local names below a starting element.

    ``flat(element)`` walks the subtree once and indexes every element by its path (``find``
    with multi-step paths runs lxml's Python-level ElementPath, ten times slower for the
    hundred thousand entries of a large statement). A path may list alternatives separated by
    ``|``: the first that has text wins (the versions name some elements differently).
    """

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.prefix = f"{{{ns}}}"

    def q(self, path: str) -> str:
        return "/".join(self.prefix + part for part in path.split("/"))

    def flat(self, element) -> dict[str, list]:
        out: dict[str, list] = {}
        cut = len(self.prefix)
        stack = [(element, "")]
        while stack:
            parent, path = stack.pop()
            for child in parent:
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                name = path + (tag[cut:] if tag.startswith(self.prefix) else tag)
                out.setdefault(name, []).append(child)
                if len(child):
                    stack.append((child, name + "/"))
        return out

    @staticmethod
    def text(flat: dict[str, list], paths: str) -> str:
        for path in paths.split("|"):
            for element in flat.get(path, ()):
                if element.text and element.text.strip():
                    return element.text.strip()
        return ""

    @staticmethod
    def all_text(flat: dict[str, list], path: str) -> list[str]:
        return [element.text.strip() for element in flat.get(path, ()) if element.text]

    @staticmethod
    def first(flat: dict[str, list], path: str):
        found = flat.get(path)
        return found[0] if found else None


_AMOUNT = re.compile(r"^(\d{1,18})(?:\.(\d{1,2}))?$")


def _grosze(element, *, what: str) -> int:
    found = _AMOUNT.match((element.text or "").strip())
    if found is None:
        raise StatementRejected(
            line=element.sourceline or 0,
            reason=f"{what} must be a non-negative amount with at most two decimals",
        )
    return int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))


def _date(flat: dict[str, list], path: str, *, line: int) -> dt.date | None:
    found = _Reader.text(flat, f"{path}/Dt|{path}/DtTm")
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found[:10])
    except ValueError:
        raise StatementRejected(line=line, reason=f"{path} is not a date: {found!r}") from None


def _balance(reader: _Reader, stmt, codes: tuple[str, ...]) -> tuple[int, str] | None:
    for balance in stmt.iterfind(reader.q("Bal")):
        flat = reader.flat(balance)
        if reader.text(flat, "Tp/CdOrPrtry/Cd") in codes:
            amount = reader.first(flat, "Amt")
            if amount is None:
                raise StatementRejected(
                    line=balance.sourceline or 0, reason="a balance has no amount"
                )
            grosze = _grosze(amount, what="the balance")
            if reader.text(flat, "CdtDbtInd") == "DBIT":
                grosze = -grosze
            return grosze, amount.get("Ccy", "")
    return None


def _last_line(element) -> int:
    """The last line of ``element``: the line before its next sibling, or its deepest line."""
    following = element.getnext()
    if following is not None and following.sourceline:
        return following.sourceline - 1
    return max((node.sourceline or 0) for node in element.iter())


def _credit_key(account: str, parts: tuple, seen: dict[tuple, int]) -> str:
    reference = parts[-1]
    if reference and reference.upper() != "NONREF":
        return f"ref:{reference}"
    occurrence = seen.get(parts, 0)
    seen[parts] = occurrence + 1
    return "line:" + hashlib.sha256(repr((account, parts, occurrence)).encode()).hexdigest()[:40]


def _entry_credits(
    reader: _Reader, entry, flat: dict[str, list], *, account: str, amount: int, seen: dict
) -> list[Credit]:
    line = entry.sourceline or 0
    value_date = _date(flat, "ValDt", line=line) or _date(flat, "BookgDt", line=line)
    if value_date is None:
        raise StatementRejected(line=line, reason="an entry has no value or booking date")
    booking_date = _date(flat, "BookgDt", line=line)
    entry_reference = reader.text(flat, "AcctSvcrRef|NtryRef")
    batch = flat.get("NtryDtls/TxDtls", [])
    if len(batch) > 1:
        parts = [(tx, reader.flat(tx), "") for tx in batch]
    else:
        parts = [(entry, flat, "NtryDtls/TxDtls/")]
    credits = []
    split_total = 0
    for index, (node, tx, at) in enumerate(parts, start=1):
        if len(parts) > 1:
            tx_amount_element = reader.first(tx, "Amt") or reader.first(tx, "AmtDtls/TxAmt/Amt")
            if tx_amount_element is None:
                raise StatementRejected(
                    line=node.sourceline or line, reason="a batch entry's transaction has no amount"
                )
            tx_amount = _grosze(tx_amount_element, what="the transaction amount")
            reference = reader.text(tx, "Refs/AcctSvcrRef") or (
                f"{entry_reference}/{index}" if entry_reference else ""
            )
        else:
            tx_amount, reference = amount, entry_reference
        split_total += tx_amount
        title = " ".join(
            " ".join(
                reader.all_text(tx, f"{at}RmtInf/Ustrd")
                + reader.all_text(tx, f"{at}RmtInf/Strd/CdtrRefInf/Ref")
            ).split()
        )
        name = reader.text(tx, f"{at}RltdPties/Dbtr/Pty/Nm|{at}RltdPties/Dbtr/Nm")
        payer = normalise_account(
            reader.text(tx, f"{at}RltdPties/DbtrAcct/Id/IBAN|{at}RltdPties/DbtrAcct/Id/Othr/Id")
        )
        credited = normalise_account(
            reader.text(tx, f"{at}RltdPties/CdtrAcct/Id/IBAN|{at}RltdPties/CdtrAcct/Id/Othr/Id")
        )
        key = _credit_key(
            account, (tx_amount, value_date.isoformat(), payer, title, reference), seen
        )
        credits.append(
            Credit(
                amount_grosze=tx_amount,
                value_date=value_date,
                booking_date=booking_date,
                counterparty_name=" ".join(name.split()),
                counterparty_account=payer,
                title=title,
                bank_reference=reference,
                credited_accounts=(credited,) if credited and credited != account else (),
                first_line=node.sourceline or line,
                last_line=_last_line(node),
                key=key,
            )
        )
    if split_total != amount:
        raise StatementRejected(
            line=line,
            reason=f"the transactions of the entry add up to {split_total}, not {amount} grosze",
        )
    return credits


def _statement(reader: _Reader, stmt) -> Statement:
    line = stmt.sourceline or 0
    head: dict[str, list] = {}
    for child in stmt:
        if child.tag not in (reader.q("Ntry"), reader.q("Bal")) and isinstance(child.tag, str):
            head.setdefault(child.tag[len(reader.prefix) :], []).append(child)
            for name, elements in reader.flat(child).items():
                head.setdefault(f"{child.tag[len(reader.prefix) :]}/{name}", []).extend(elements)
    account = normalise_account(reader.text(head, "Acct/Id/IBAN|Acct/Id/Othr/Id"))
    if not account:
        raise StatementRejected(line=line, reason="the statement has no account (Acct/Id)")
    number = reader.text(head, "LglSeqNb|ElctrncSeqNb|Id")
    opening = _balance(reader, stmt, ("OPBD", "PRCD"))
    closing = _balance(reader, stmt, ("CLBD",))
    currency = reader.text(head, "Acct/Ccy") or (opening[1] if opening else "") or "PLN"
    credits: list[Credit] = []
    debit_count = 0
    movement = 0
    seen: dict[tuple, int] = {}
    for entry in stmt.iterfind(reader.q("Ntry")):
        entry_line = entry.sourceline or 0
        flat = reader.flat(entry)
        status = reader.text(flat, "Sts/Cd|Sts")
        if status and status != "BOOK":
            continue
        amount_element = reader.first(flat, "Amt")
        if amount_element is None:
            raise StatementRejected(line=entry_line, reason="an entry has no amount (Amt)")
        amount = _grosze(amount_element, what="the entry amount")
        if amount_element.get("Ccy", currency) != currency:
            raise StatementRejected(
                line=amount_element.sourceline or entry_line,
                reason=f"currency {amount_element.get('Ccy')} is not the account's ({currency})",
            )
        indicator = reader.text(flat, "CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise StatementRejected(line=entry_line, reason="CdtDbtInd must be CRDT or DBIT")
        movement += amount if indicator == "CRDT" else -amount
        if indicator != "CRDT" or reader.text(flat, "RvslInd") == "true":
            debit_count += 1
            continue
        credits.extend(
            _entry_credits(reader, entry, flat, account=account, amount=amount, seen=seen)
        )
    if opening and closing and opening[0] + movement != closing[0]:
        raise StatementRejected(
            line=line,
            reason=(
                "the closing balance does not equal the opening balance plus the entries "
                f"({opening[0] + movement} ≠ {closing[0]} grosze)"
            ),
        )
    return Statement(
        account=account,
        number=number,
        currency=currency,
        opening_grosze=opening[0] if opening else 0,
        closing_grosze=closing[0] if closing else 0,
        credits=tuple(credits),
        debit_count=debit_count,
        first_line=line,
    )


def parse_camt053(data: bytes) -> StatementFile:
    try:
        document = parse_untrusted(data, limits=_limits(), collect_ids=False)
    except XmlRejected as exc:
        raise StatementRejected(line=_xml_error_line(exc.message), reason=exc.message) from None
    root = document.root
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES or root.tag != f"{{{ns}}}Document":
        raise StatementRejected(
            line=root.sourceline or 1,
            reason=f"not a camt.053.001.02/.08 document ({ns or root.tag})",
        )
    reader = _Reader(ns)
    statements = [
        _statement(reader, stmt) for stmt in root.iterfind(reader.q("BkToCstmrStmt/Stmt"))
    ]
    if not statements:
        raise StatementRejected(
            line=root.sourceline or 1, reason="the document holds no statement (Stmt)"
        )
    encoding = (document.tree.docinfo.encoding or "UTF-8").lower()
    return StatementFile(
        format=NAMESPACES[ns],
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        statements=tuple(statements),
    )


def _xml_error_line(message: str) -> int:
    """The line lxml names last in its message (``..., line 54, column 13 (<string>, line 54)``)."""
    found = re.findall(r"line (\d+)", message)
    return int(found[-1]) if found else 1
