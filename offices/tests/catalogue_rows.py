"""The whole catalogue (54 offices, their departments, every seed form at every office that
handles it) as module-shared rows: import ``full_catalogue`` and ``_full_catalogue_rows`` into
a test module; the rows are made once per module (tests.support.SharedRows)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from offices.catalogue import catalogue_seed
from offices.tests.office_rows import offices_load
from tests.support import SharedRows


def full_catalogue_load() -> bool:
    with transaction.atomic():  # one commit, not one per row, in a test that commits
        offices_load()
        call_command("seed_forms", verbosity=0)
        catalogue_seed()
    return True


@pytest.fixture(scope="module")
def _full_catalogue_rows(django_db_setup, django_db_blocker):
    yield from SharedRows.made("full_catalogue", full_catalogue_load, django_db_blocker)


@pytest.fixture
def full_catalogue(request, _full_catalogue_rows, db):
    if _full_catalogue_rows.get(request) is None:
        full_catalogue_load()
