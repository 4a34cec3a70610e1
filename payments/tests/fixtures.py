"""Real seed data for the payments tests: the 54 offices, two seed forms, the catalogue, the
tariff, fee rules and demo fee accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from documents.tests.fixtures import pesel
from forms_platform.seeding import seed_forms
from offices.catalogue import catalogue_seed
from offices.models import Service
from offices.services import departments_seed_defaults, offices_load_csv
from payments.services.seed import payments_seed
from sekap.accounts.tests.factories import VerifiedCitizenFactory

FORMS = {"wniosek-o-zaswiadczenie", "odpis-aktu-stanu-cywilnego", "zezwolenie-alkohol"}


@dataclass
class Seeded:
    certificate: Service  # zaświadczenie at Gliwice (city with county rights): 17 zł
    county: Service | None  # the same at a county office, if the catalogue offers it there
    usc: Service  # odpis aktu stanu cywilnego at Gliwice: per copy
    alcohol: Service  # alcohol permit at Gliwice: pro rata


def load() -> Seeded:
    offices_load_csv()
    departments_seed_defaults()
    seed_forms(only=FORMS)
    catalogue_seed()
    payments_seed()

    def at(terc: str, slug: str) -> Service | None:
        return (
            Service.objects.select_related("office")
            .filter(office__terc=terc, form_template__slug=slug)
            .first()
        )

    return Seeded(
        certificate=at("2466011", "wniosek-o-zaswiadczenie"),
        county=at("2405", "wniosek-o-zaswiadczenie"),
        usc=at("2466011", "odpis-aktu-stanu-cywilnego"),
        alcohol=at("2466011", "zezwolenie-alkohol"),
    )


@pytest.fixture
def seeded(db) -> Seeded:
    return load()


@pytest.fixture
def payer(db):
    return VerifiedCitizenFactory(pesel=pesel(1))


@pytest.fixture
def other_payer(db):
    return VerifiedCitizenFactory(pesel=pesel(2))
