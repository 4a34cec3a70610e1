"""The 54 offices with their default departments as module-shared rows (``seeded_offices``,
registered in offices/tests/conftest.py): made once per test module (tests.support.SharedRows)
instead of once per test."""

from __future__ import annotations

import pytest
from django.db import transaction

from offices.services import departments_seed_defaults, offices_load_csv
from tests.support import SharedRows


def offices_load() -> bool:
    with transaction.atomic():  # one commit, not one per row, in a test that commits
        offices_load_csv()
        departments_seed_defaults()
    return True


@pytest.fixture(scope="module")
def _office_rows(django_db_setup, django_db_blocker):
    yield from SharedRows.made("seeded_offices", offices_load, django_db_blocker)


@pytest.fixture
def seeded_offices(request, _office_rows, db) -> None:
    """The 54 offices and their default departments (a test that commits loads its own)."""
    if _office_rows.get(request) is None:
        offices_load()
