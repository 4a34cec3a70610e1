"""Test people the fake node can log in as. Their PESEL numbers pass the checksum (python-stdnum)
and encode the date of birth given here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TestPerson:
    pesel: str
    first_name: str
    last_name: str
    birth_date: dt.date

    @property
    def label(self) -> str:
        return f"{self.first_name} {self.last_name} (PESEL {self.pesel})"


PEOPLE = (
    TestPerson("85031204120", "Anna", "Testowa", dt.date(1985, 3, 12)),
    TestPerson("90090505819", "Jan", "Próbny", dt.date(1990, 9, 5)),
    TestPerson("01312307324", "Zofia", "Wzorcowa", dt.date(2001, 11, 23)),
    TestPerson("72063001216", "Piotr", "Przykładowy", dt.date(1972, 6, 30)),
)


def person_by_pesel(pesel: str) -> TestPerson | None:
    return next((p for p in PEOPLE if p.pesel == pesel), None)
