"""Polish account numbers as they appear on statements: NRB (26 digits) and IBAN (PL + 26)."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def nrb_check_digits(bban: str) -> str:
    """The two check digits of a Polish NRB for its 24-digit BBAN (ISO 7064 mod 97-10)."""
    return f"{98 - int(bban + '252100') % 97:02d}"


def normalise_account(text: str) -> str:
    """The 26 NRB digits of a Polish account written as IBAN, NRB or with spaces/slashes.

    Anything else (a foreign IBAN, a short number) is returned upper-cased without separators.
    """
    compact = _NON_ALNUM.sub("", text or "").upper()
    if compact.startswith("PL") and len(compact) == 28 and compact[2:].isdigit():
        return compact[2:]
    return compact


def is_valid_nrb(digits: str) -> bool:
    return len(digits) == 26 and digits.isdigit() and digits[:2] == nrb_check_digits(digits[2:])


def nrb_from_parts(sort_code: str, account: str) -> str:
    """An NRB from a sort code (8 digits) and a 16-digit account (ZBP ``~30`` and ``~31``)."""
    bban = sort_code + account
    return nrb_check_digits(bban) + bban
