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

from sekap.xmlsafe import ParseLimits, XmlRejected, iterparse_untrusted, release

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


class _Paths:
    """Elements and texts by their path of local names below an element.

    ``index(element)`` walks the subtree once and maps every path to its elements (``find``
    with multi-step paths runs lxml's Python-level ElementPath, ten times slower); lookups are
    then dictionary reads. A path may list alternatives separated by ``|``: the first that has text
    wins (the versions name some elements differently)."""

    def __init__(self, ns: str) -> None:
        self.prefix = f"{{{ns}}}"

    def q(self, name: str) -> str:
        return self.prefix + name

    def index(self, element) -> dict[str, list]:
        prefix, cut = self.prefix, len(self.prefix)
        out: dict[str, list] = {}
        stack = [(element, "")]
        while stack:
            parent, path = stack.pop()
            for child in parent:
                tag = child.tag
                if type(tag) is not str:
                    continue  # a comment or processing instruction
                name = path + (tag[cut:] if tag.startswith(prefix) else tag)
                found = out.get(name)
                if found is None:
                    out[name] = [child]
                else:
                    found.append(child)
                if len(child):
                    stack.append((child, name + "/"))
        return out

    @staticmethod
    def text(flat: dict[str, list], paths: str) -> str:
        for path in paths.split("|"):
            for node in flat.get(path, ()):
                text = node.text
                if text and not text.isspace():
                    return text.strip()
        return ""

    @staticmethod
    def all_text(flat: dict[str, list], path: str) -> list[str]:
        return [node.text.strip() for node in flat.get(path, ()) if node.text]

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
    cents = found.group(2)
    whole = int(found.group(1)) * 100
    if cents is None:
        return whole
    return whole + int(cents) * (10 if len(cents) == 1 else 1)


def _date(flat: dict[str, list], path: str, *, line: int) -> dt.date | None:
    found = _Paths.text(flat, f"{path}/Dt|{path}/DtTm")
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found[:10])
    except ValueError:
        raise StatementRejected(line=line, reason=f"{path} is not a date: {found!r}") from None


def _balance(paths: _Paths, balances: list, codes: tuple[str, ...]) -> tuple[int, str] | None:
    for balance in balances:
        flat = paths.index(balance)
        if paths.text(flat, "Tp/CdOrPrtry/Cd") in codes:
            amount = paths.first(flat, "Amt")
            if amount is None:
                raise StatementRejected(
                    line=balance.sourceline or 0, reason="a balance has no amount"
                )
            grosze = _grosze(amount, what="the balance")
            if paths.text(flat, "CdtDbtInd") == "DBIT":
                grosze = -grosze
            return grosze, amount.get("Ccy", "")
    return None


def _deepest_line(element) -> int:
    return max((node.sourceline or 0) for node in element.iter())


def _credit_key(account: str, parts: tuple, seen: dict[tuple, int]) -> str:
    reference = parts[-1]
    if reference and reference.upper() != "NONREF":
        return f"ref:{reference}"
    occurrence = seen.get(parts, 0)
    seen[parts] = occurrence + 1
    return "line:" + hashlib.sha256(repr((account, parts, occurrence)).encode()).hexdigest()[:40]


class _StatementReader:
    """One ``Stmt`` read as it streams: the header and balances (which precede the entries in
    both versions' schemas) once, then each entry as it completes.

    A credit's last line is the line before the next element (the next entry, or what follows
    the last one), else its deepest line; for an entry it is known when the next one has been
    read, so the last credit of each entry waits for that (``pending``)."""

    def __init__(self, paths: _Paths, stmt) -> None:
        self.paths = paths
        self.stmt = stmt
        self.line = stmt.sourceline or 0
        self.header_read = False
        self.credits: list[Credit] = []
        self.pending: tuple[dict, object] | None = None
        self.debit_count = 0
        self.movement = 0
        self.seen: dict[tuple, int] = {}

    def read_header(self) -> None:
        paths, stmt = self.paths, self.stmt
        self.header_read = True
        head: dict[str, list] = {}
        skip = (paths.q("Ntry"), paths.q("Bal"))
        for child in stmt:
            tag = child.tag
            if type(tag) is not str or tag in skip:
                continue
            name = tag[len(paths.prefix) :] if tag.startswith(paths.prefix) else tag
            head.setdefault(name, []).append(child)
            for path, elements in paths.index(child).items():
                head.setdefault(f"{name}/{path}", []).extend(elements)
        self.account = normalise_account(paths.text(head, "Acct/Id/IBAN|Acct/Id/Othr/Id"))
        if not self.account:
            raise StatementRejected(line=self.line, reason="the statement has no account (Acct/Id)")
        self.number = paths.text(head, "LglSeqNb|ElctrncSeqNb|Id")
        balances = list(stmt.iterchildren(paths.q("Bal")))  # before the entries
        self.opening = _balance(paths, balances, ("OPBD", "PRCD"))
        self.closing = _balance(paths, balances, ("CLBD",))
        self.currency = (
            paths.text(head, "Acct/Ccy") or (self.opening[1] if self.opening else "") or "PLN"
        )

    def entry_ends(self, entry) -> None:
        # The previous entry's last line is the line before this one (libxml2 knows lines
        # past 65,535 only once an element is complete: hence not at its start).
        if self.pending is not None and entry.sourceline:
            self._settle_pending(entry.sourceline - 1)
        self.entry(entry)

    def _settle_pending(self, last_line: int) -> None:
        fields, _node = self.pending
        self.pending = None
        fields["last_line"] = last_line
        self.credits.append(Credit(**fields))

    def entry(self, entry) -> None:
        if not self.header_read:
            self.read_header()
        paths = self.paths
        line = entry.sourceline or 0
        flat = paths.index(entry)
        status = paths.text(flat, "Sts/Cd|Sts")
        if status and status != "BOOK":
            return
        amount_element = paths.first(flat, "Amt")
        if amount_element is None:
            raise StatementRejected(line=line, reason="an entry has no amount (Amt)")
        amount = _grosze(amount_element, what="the entry amount")
        currency = self.currency
        if amount_element.get("Ccy", currency) != currency:
            raise StatementRejected(
                line=amount_element.sourceline or line,
                reason=f"currency {amount_element.get('Ccy')} is not the account's ({currency})",
            )
        indicator = paths.text(flat, "CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise StatementRejected(line=line, reason="CdtDbtInd must be CRDT or DBIT")
        self.movement += amount if indicator == "CRDT" else -amount
        if indicator != "CRDT" or paths.text(flat, "RvslInd") == "true":
            self.debit_count += 1
            return
        self._entry_credits(entry, flat, amount=amount, line=line)

    def _entry_credits(self, entry, flat: dict[str, list], *, amount: int, line: int) -> None:
        paths, account = self.paths, self.account
        value_date = _date(flat, "ValDt", line=line) or _date(flat, "BookgDt", line=line)
        if value_date is None:
            raise StatementRejected(line=line, reason="an entry has no value or booking date")
        booking_date = _date(flat, "BookgDt", line=line)
        entry_reference = paths.text(flat, "AcctSvcrRef|NtryRef")
        batch = flat.get("NtryDtls/TxDtls", [])
        split = len(batch) > 1
        if split:
            parts = [(node, paths.index(node), "") for node in batch]
        else:
            parts = [(entry, flat, "NtryDtls/TxDtls/")]
        split_total = 0
        for index, (node, tx, at) in enumerate(parts, start=1):
            if split:
                tx_amount_element = paths.first(tx, "Amt") or paths.first(tx, "AmtDtls/TxAmt/Amt")
                if tx_amount_element is None:
                    raise StatementRejected(
                        line=node.sourceline or line,
                        reason="a batch entry's transaction has no amount",
                    )
                tx_amount = _grosze(tx_amount_element, what="the transaction amount")
                reference = paths.text(tx, "Refs/AcctSvcrRef") or (
                    f"{entry_reference}/{index}" if entry_reference else ""
                )
            else:
                tx_amount, reference = amount, entry_reference
            split_total += tx_amount
            title = " ".join(
                " ".join(
                    paths.all_text(tx, f"{at}RmtInf/Ustrd")
                    + paths.all_text(tx, f"{at}RmtInf/Strd/CdtrRefInf/Ref")
                ).split()
            )
            name = paths.text(tx, f"{at}RltdPties/Dbtr/Pty/Nm|{at}RltdPties/Dbtr/Nm")
            payer = normalise_account(
                paths.text(tx, f"{at}RltdPties/DbtrAcct/Id/IBAN|{at}RltdPties/DbtrAcct/Id/Othr/Id")
            )
            credited = normalise_account(
                paths.text(tx, f"{at}RltdPties/CdtrAcct/Id/IBAN|{at}RltdPties/CdtrAcct/Id/Othr/Id")
            )
            key = _credit_key(
                account, (tx_amount, value_date.isoformat(), payer, title, reference), self.seen
            )
            fields = {
                "amount_grosze": tx_amount,
                "value_date": value_date,
                "booking_date": booking_date,
                "counterparty_name": " ".join(name.split()),
                "counterparty_account": payer,
                "title": title,
                "bank_reference": reference,
                "credited_accounts": (credited,) if credited and credited != account else (),
                "first_line": node.sourceline or line,
                "last_line": 0,
                "key": key,
            }
            if split:
                following = node.getnext()
                fields["last_line"] = (
                    following.sourceline - 1
                    if following is not None and following.sourceline
                    else _deepest_line(node)
                )
                self.credits.append(Credit(**fields))
            else:
                # Known when the next element starts (``entry_starts``/``finish``).
                self.pending = (fields, entry)
        if split_total != amount:
            raise StatementRejected(
                line=line,
                reason=(
                    f"the transactions of the entry add up to {split_total}, not {amount} grosze"
                ),
            )

    def finish(self) -> Statement:
        if not self.header_read:
            self.read_header()
        if self.pending is not None:
            _fields, entry = self.pending
            following = entry.getnext()
            self._settle_pending(
                following.sourceline - 1
                if following is not None and following.sourceline
                else _deepest_line(entry)
            )
        opening, closing = self.opening, self.closing
        if opening and closing and opening[0] + self.movement != closing[0]:
            raise StatementRejected(
                line=self.line,
                reason=(
                    "the closing balance does not equal the opening balance plus the entries "
                    f"({opening[0] + self.movement} ≠ {closing[0]} grosze)"
                ),
            )
        return Statement(
            account=self.account,
            number=self.number,
            currency=self.currency,
            opening_grosze=opening[0] if opening else 0,
            closing_grosze=closing[0] if closing else 0,
            credits=tuple(self.credits),
            debit_count=self.debit_count,
            first_line=self.line,
        )


def _in_statement(paths: _Paths, parent) -> bool:
    if parent is None or parent.tag != paths.q("Stmt"):
        return False
    above = parent.getparent()
    return above is not None and above.tag == paths.q("BkToCstmrStmt")


def _check_root(root) -> str:
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES or root.tag != f"{{{ns}}}Document":
        raise StatementRejected(
            line=root.sourceline or 1,
            reason=f"not a camt.053.001.02/.08 document ({ns or root.tag})",
        )
    return ns


def parse_camt053(data: bytes) -> StatementFile:
    """Streams the document (``sekap.xmlsafe.iterparse_untrusted``): each entry is read as it
    completes and released once the next one is read, so memory holds two entries, not the
    whole tree."""
    try:
        stream = iterparse_untrusted(
            data,
            tags=("{*}Stmt", "{*}Ntry"),
            events=("end",),
            limits=_limits(),
        )
        statements: list[Statement] = []
        paths: _Paths | None = None
        current: _StatementReader | None = None
        previous_entry = None
        for _event, element in stream:
            if paths is None:
                paths = _Paths(_check_root(element.getroottree().getroot()))
            tag = element.tag
            parent = element.getparent()
            if tag == paths.q("Stmt"):
                if parent is None or parent.tag != paths.q("BkToCstmrStmt"):
                    continue
                if current is None or current.stmt is not element:
                    current = _StatementReader(paths, element)
                statements.append(current.finish())
                current = previous_entry = None
                release(element)
            elif tag == paths.q("Ntry") and _in_statement(paths, parent):
                if current is None or current.stmt is not parent:
                    current = _StatementReader(paths, parent)
                current.entry_ends(element)
                if previous_entry is not None:
                    release(previous_entry)
                previous_entry = element
    except XmlRejected as exc:
        raise StatementRejected(line=_xml_error_line(exc.message), reason=exc.message) from None
    root = stream.root
    if paths is None:
        if root is None:
            raise StatementRejected(line=1, reason="the document has no root element")
        paths = _Paths(_check_root(root))
    if not statements:
        raise StatementRejected(
            line=(root.sourceline if root is not None else 1) or 1,
            reason="the document holds no statement (Stmt)",
        )
    return StatementFile(
        format=NAMESPACES[paths.prefix[1:-1]],
        encoding=stream.encoding.lower(),
        sha256=hashlib.sha256(data).hexdigest(),
        statements=tuple(statements),
    )


def _xml_error_line(message: str) -> int:
    """The line lxml names last in its message (``..., line 54, column 13 (<string>, line 54)``)."""
    found = re.findall(r"line (\d+)", message)
    return int(found[-1]) if found else 1
