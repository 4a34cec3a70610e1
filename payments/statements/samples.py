"""Writers of synthetic statement files (MT940 in the PKO BP ``~`` layout, camt.053.001.08).

For benchmarks and tests only: a list of credits in, the bytes of a well-formed statement out,
balances included, so the files go through the same checks as a bank's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class SampleCredit:
    amount_grosze: int
    title: str
    payer_name: str
    payer_account: str  # 26 NRB digits
    credited_account: str = ""  # 26 NRB digits of a virtual account, or ""
    reference: str = ""


def _amount(grosze: int, separator: str = ",") -> str:
    return f"{grosze // 100}{separator}{grosze % 100:02d}"


def mt940_bytes(
    *,
    account: str,
    number: int,
    day: dt.date,
    credits: list[SampleCredit],
    opening_grosze: int = 0,
    encoding: str = "cp1250",
) -> bytes:
    yymmdd = day.strftime("%y%m%d")
    mmdd = day.strftime("%m%d")
    lines = [
        ":20:MT940",
        f":25:/PL{account}",
        f":28C:{number:05d}",
        f":60F:C{yymmdd}PLN{_amount(opening_grosze)}",
    ]
    for index, credit in enumerate(credits, start=1):
        reference = credit.reference or f"{yymmdd}{index:09d}"
        lines.append(f":61:{yymmdd}{mmdd}CN{_amount(credit.amount_grosze)}N240NONREF//{reference}")
        lines.append(":86:240~00VE02PRZELEW OTRZYMANY ELIXIR")
        title = credit.title
        for sub, start in zip(range(20, 26), range(0, len(title), 27), strict=False):
            lines.append(f"~{sub}{title[start : start + 27]}")
        lines.append(f"~32{credit.payer_name[:35]}")
        lines.append(f"~38PL{credit.payer_account}")
        if credit.credited_account:
            lines.append(f"~60{credit.credited_account}")
    closing = opening_grosze + sum(credit.amount_grosze for credit in credits)
    lines.append(f":62F:C{yymmdd}PLN{_amount(closing)}")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def camt053_bytes(
    *,
    account: str,
    number: int,
    day: dt.date,
    credits: list[SampleCredit],
    opening_grosze: int = 0,
) -> bytes:
    iso = day.isoformat()
    closing = opening_grosze + sum(credit.amount_grosze for credit in credits)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">',
        "<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId>"
        f"<CreDtTm>{iso}T20:00:00+01:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>{number}</Id><LglSeqNb>{number}</LglSeqNb>",
        f"<Acct><Id><IBAN>PL{account}</IBAN></Id><Ccy>PLN</Ccy></Acct>",
        f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="PLN">'
        f"{_amount(opening_grosze, '.')}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        f"<Dt><Dt>{iso}</Dt></Dt></Bal>",
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="PLN">'
        f"{_amount(closing, '.')}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        f"<Dt><Dt>{iso}</Dt></Dt></Bal>",
    ]
    for index, credit in enumerate(credits, start=1):
        reference = credit.reference or f"{day:%y%m%d}{index:09d}"
        amount = _amount(credit.amount_grosze, ".")
        creditor = (
            f"<CdtrAcct><Id><IBAN>PL{credit.credited_account}</IBAN></Id></CdtrAcct>"
            if credit.credited_account
            else ""
        )
        out.append(
            f'<Ntry><Amt Ccy="PLN">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{iso}</Dt></BookgDt>"
            f"<ValDt><Dt>{iso}</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef>"
            f'<NtryDtls><TxDtls><Amt Ccy="PLN">{amount}</Amt><RltdPties>'
            f"<Dbtr><Pty><Nm>{escape(credit.payer_name)}</Nm></Pty></Dbtr>"
            f"<DbtrAcct><Id><IBAN>PL{credit.payer_account}</IBAN></Id></DbtrAcct>{creditor}"
            f"</RltdPties><RmtInf><Ustrd>{escape(credit.title)}</Ustrd></RmtInf>"
            "</TxDtls></NtryDtls></Ntry>"
        )
    out.append("</Stmt></BkToCstmrStmt></Document>")
    return "\n".join(out).encode("utf-8")
