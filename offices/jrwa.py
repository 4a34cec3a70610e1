"""JRWA class lists, one per office kind, and the rule that cases open on leaf classes only.

The lists live in ``data/jrwa/<list>.csv`` (see the README there). A class's parent is its
symbol without the last digit; a class is a leaf when no class of the same list extends it.
Domain rule (REFERENCE §3.6): a case is opened only on the last level of the class tree, and
its archival category comes from the class.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

JRWA_DIR = Path(__file__).resolve().parent / "data" / "jrwa"

# The lists each kind of office keeps: a city with county rights serves both a gmina and a powiat.
LISTS_OF_KIND: dict[str, tuple[str, ...]] = {
    "municipality": ("municipality",),
    "city_county": ("municipality", "county"),
    "county": ("county",),
    "voivodeship": ("voivodeship",),
}


@dataclass(frozen=True)
class JrwaClass:
    symbol: str
    heading: str
    category_home: str
    category_other: str
    status: str
    source: str


@lru_cache(maxsize=8)
def jrwa_list(name: str) -> dict[str, JrwaClass]:
    """One list (``municipality``, ``county`` or ``voivodeship``), by symbol."""
    with (JRWA_DIR / f"{name}.csv").open(encoding="utf-8") as handle:
        return {
            row["symbol"]: JrwaClass(
                symbol=row["symbol"],
                heading=row["heading"],
                category_home=row["category_home"],
                category_other=row["category_other"],
                status=row["status"],
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        }


def is_leaf(name: str, symbol: str) -> bool:
    """Whether ``symbol`` is in list ``name`` and no class of that list extends it."""
    classes = jrwa_list(name)
    return symbol in classes and not any(
        other != symbol and other.startswith(symbol) for other in classes
    )


def case_class(*, office_kind: str, symbol: str) -> JrwaClass | None:
    """The leaf class ``symbol`` in one of the lists of ``office_kind``; None when there is none."""
    for name in LISTS_OF_KIND.get(office_kind, ()):
        if is_leaf(name, symbol):
            return jrwa_list(name)[symbol]
    return None


__all__ = ["JRWA_DIR", "LISTS_OF_KIND", "JrwaClass", "case_class", "is_leaf", "jrwa_list"]
