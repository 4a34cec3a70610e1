"""Bank statements: reading MT940 and camt.053 files into typed results.

``read_statement_file(data)`` detects the format and returns a :class:`StatementFile`, or raises
:class:`StatementRejected` with the line and the reason. Reconciliation with payment orders is
in ``payments.services.reconciliation``.
"""

from __future__ import annotations

from .camt053 import parse_camt053
from .mt940_file import parse_mt940
from .types import Credit, Statement, StatementFile, StatementRejected

__all__ = [
    "Credit",
    "Statement",
    "StatementFile",
    "StatementRejected",
    "detect_format",
    "read_statement_file",
]


def detect_format(data: bytes) -> str:
    """``"camt.053"`` for XML, ``"mt940"`` for SWIFT text; refuses anything else."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "camt.053"
    if b":20:" in data[:65536]:
        return "mt940"
    raise StatementRejected(line=1, reason="neither an MT940 nor a camt.053 statement file")


def read_statement_file(data: bytes) -> StatementFile:
    if not data:
        raise StatementRejected(line=0, reason="the file is empty")
    if detect_format(data) == "camt.053":
        return parse_camt053(data)
    return parse_mt940(data)
