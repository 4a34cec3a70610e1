"""The fee tariff: every fixed fee the catalogue charges, as data with validity dates.

``data/fee_tariff.csv`` holds one row per fee item and period: the stamp-duty annex item
(ustawa z dnia 16 listopada 2006 r. o opłacie skarbowej, załącznik: part, item, point) or the
provision of another act, the amount in grosze, ``valid_from``/``valid_to`` and whether the item
number is confirmed by sources or still ``to_verify`` (the ``source`` column says why). Seed
services name a row by its ``code``; the catalogue takes amounts and the public citation from
here, so a fee and its legal basis cannot drift apart.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

TARIFF_FILE = Path(__file__).resolve().parent / "data" / "fee_tariff.csv"

ACTS = {
    "oplata_skarbowa": "ustawa z dnia 16 listopada 2006 r. o opłacie skarbowej, załącznik",
    "wychowanie_w_trzezwosci": (
        "art. 11¹ ustawy z dnia 26 października 1982 r. o wychowaniu w trzeźwości "
        "i przeciwdziałaniu alkoholizmowi"
    ),
    "transport_drogowy": (
        "rozporządzenie Ministra Infrastruktury z dnia 4 grudnia 2007 r. w sprawie opłat "
        "za czynności administracyjne związane z wykonywaniem transportu drogowego"
    ),
}


class TariffError(LookupError):
    """A seed names a tariff code that has no row valid on the given day."""


@dataclass(frozen=True)
class TariffItem:
    code: str
    act: str
    part: str
    item: str
    point: str
    subject: str
    amount_grosze: int
    valid_from: dt.date
    valid_to: dt.date | None
    status: str  # "confirmed" | "to_verify"
    source: str

    @property
    def annex_position(self) -> str:
        """``"cz. I ust. 8"``; empty when the item number is not known."""
        if not (self.part and self.item):
            return ""
        position = f"cz. {self.part} ust. {self.item}"
        return f"{position} pkt {self.point}" if self.point else position

    @property
    def citation(self) -> str:
        """The legal basis as printed for the public."""
        act = ACTS[self.act]
        return f"{act}, {self.annex_position}" if self.annex_position else act

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def tariff_items() -> tuple[TariffItem, ...]:
    """Every row of the tariff file (all periods)."""
    with TARIFF_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        TariffItem(
            code=row["code"],
            act=row["act"],
            part=row["part"],
            item=row["item"],
            point=row["point"],
            subject=row["subject"],
            amount_grosze=int(row["amount_grosze"]),
            valid_from=_date(row["valid_from"]),
            valid_to=_date(row["valid_to"]),
            status=row["status"],
            source=row["source"],
        )
        for row in rows
    )


def tariff_item(code: str, *, on: dt.date | None = None) -> TariffItem:
    """The row of ``code`` valid on ``on`` (today in Warsaw by default)."""
    day = on or timezone.localdate()
    for item in tariff_items():
        if item.code == code and item.valid_on(day):
            return item
    raise TariffError(f"No tariff item {code!r} is valid on {day.isoformat()}.")


__all__ = ["ACTS", "TARIFF_FILE", "TariffError", "TariffItem", "tariff_item", "tariff_items"]
