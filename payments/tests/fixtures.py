"""Real seed data for the payments tests: the 54 offices, two seed forms, the catalogue, the
tariff, fee rules and demo fee accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from documents.tests.fixtures import pesel
from forms_platform.seeding import seed_forms
from offices.catalogue import catalogue_seed
from offices.models import Service
from offices.services import departments_seed_defaults, offices_load_csv
from payments.services.seed import payments_seed
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from tests.support import SharedRows

FORMS = {"wniosek-o-zaswiadczenie", "odpis-aktu-stanu-cywilnego", "zezwolenie-alkohol"}


@dataclass
class Seeded:
    certificate: Service  # zaświadczenie at Gliwice (city with county rights): 17 zł
    county: Service | None  # the same at a county office, if the catalogue offers it there
    usc: Service  # odpis aktu stanu cywilnego at Gliwice: per copy
    alcohol: Service  # alcohol permit at Gliwice: pro rata


def load() -> Seeded:
    with transaction.atomic():  # one commit, not one per row, in a test that commits
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


@pytest.fixture(scope="module")
def _seeded_rows(django_db_setup, django_db_blocker):
    """The offices, forms, catalogue and tariffs made once per module and shared by its tests
    that do not commit, each rolled back to them (tests.support.SharedRows)."""

    def make() -> dict[str, int | None]:
        return {name: service and service.pk for name, service in vars(load()).items()}

    yield from SharedRows.made("seeded", make, django_db_blocker)


@pytest.fixture
def seeded(request, _seeded_rows, db) -> Seeded:
    shared = _seeded_rows.get(request)
    if shared is None:
        return load()
    found = Service.objects.select_related("office").in_bulk(pk for pk in shared.values() if pk)
    return Seeded(**{name: found.get(pk) for name, pk in shared.items()})


@pytest.fixture
def payer(db):
    return VerifiedCitizenFactory(pesel=pesel(1))


@pytest.fixture
def other_payer(db):
    return VerifiedCitizenFactory(pesel=pesel(2))
