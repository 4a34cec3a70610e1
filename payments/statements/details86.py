"""The structured ``:86:`` field of Polish MT940 statements (the ZBP layout and its variants).

After a three-digit transaction code the field is a run of two-digit sub-fields, each opened by
a separator character: ``~`` (PKO BP, ING and most banks following the ZBP recommendation),
``<`` (Pekao, mBank CompanyNet and others) or ``^`` (older BNP Paribas exports). The mt-940
library parses only the German ``?`` layout, so this module reads the Polish one:

====== ==============================================================
``00`` operation description (e.g. ``PRZELEW PRZYCHODZĄCY``)
``10`` the bank's operation number
``20``–``26`` title, 27–35 characters a line, split at a fixed width
``27``–``29`` counterparty name and address (older layout)
``30`` counterparty's bank sort code (8 digits)
``31`` counterparty's account (16 digits after the sort code, or a full NRB)
``32``–``33`` counterparty name (two lines)
``34`` transaction type code
``38`` counterparty IBAN
``60``–``63`` additional information: address, or the credited virtual account
====== ==============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .accounts import is_valid_nrb, normalise_account, nrb_from_parts

_HEAD = re.compile(r"^(?P<code>\d{3})?(?P<sep>[~<^])\d{2}")
_NRB_IN_TEXT = re.compile(r"(?:PL)?\d{2}(?: ?\d{4}){6}")
# A title line that filled its whole width was cut mid-text; a shorter one ended a phrase.
_FULL_LINE = 27


@dataclass(frozen=True, slots=True)
class Details86:
    code: str
    operation: str
    title: str
    counterparty_name: str
    counterparty_account: str
    extra: str
    accounts_mentioned: tuple[str, ...]


def _join_lines(chunks: list[str]) -> str:
    title = ""
    previous = ""
    for chunk in chunks:
        if title and len(previous) < _FULL_LINE:
            title += " "
        title += chunk
        previous = chunk
    return " ".join(title.split())


_SPLITTERS = {sep: re.compile(re.escape(sep) + r"(\d{2})") for sep in "~<^"}
_TITLE_KEYS = ("20", "21", "22", "23", "24", "25", "26")
_EXTRA_KEYS = ("60", "61", "62", "63")


def subfields(text: str) -> tuple[str, dict[str, list[str]]] | None:
    """``(code, {sub-field: [values]})`` when ``text`` uses a Polish separator, else ``None``."""
    head = _HEAD.match(text)
    if head is None:
        return None
    code = head.group("code") or ""
    parts = _SPLITTERS[head.group("sep")].split(text[len(code) :])
    fields: dict[str, list[str]] = {}
    # parts: ['', '00', 'value', '20', 'value', ...]
    for index in range(1, len(parts) - 1, 2):
        fields.setdefault(parts[index], []).append(parts[index + 1])
    return code, fields


def _counterparty_account(fields: dict[str, list[str]]) -> str:
    if "38" in fields:
        return normalise_account("".join(fields["38"]))
    if "31" not in fields:
        return ""
    digits = normalise_account("".join(fields["31"]))
    sort_code = normalise_account("".join(fields.get("30", [])))
    if len(digits) == 16 and len(sort_code) == 8 and (digits + sort_code).isdigit():
        return nrb_from_parts(sort_code, digits)
    return digits


def read_details(text: str) -> Details86 | None:
    """The meaning of a Polish structured ``:86:`` value; ``None`` for unstructured text."""
    parsed = subfields(text)
    if parsed is None:
        return None
    code, fields = parsed
    get = fields.get
    title = _join_lines([value for key in _TITLE_KEYS for value in get(key, ())])
    name = _join_lines(get("32", []) + get("33", [])) or _join_lines(get("27", []) + get("28", []))
    extra = " ".join(
        value.strip() for key in _EXTRA_KEYS for value in get(key, ()) if value.strip()
    )
    mentioned: tuple[str, ...] = ()
    if extra:
        mentioned = tuple(
            digits
            for digits in (normalise_account(m.group(0)) for m in _NRB_IN_TEXT.finditer(extra))
            if is_valid_nrb(digits)
        )
    return Details86(
        code=code,
        operation=" ".join(" ".join(get("00", ())).split()),
        title=title,
        counterparty_name=name,
        counterparty_account=_counterparty_account(fields),
        extra=extra,
        accounts_mentioned=mentioned,
    )
