"""Rows shared by the tests of a module (tests.support.SharedRows): made once, each test rolled
back to them, and gone for a test of the module that does not ask for them."""

from __future__ import annotations

import pytest

from offices.models import Office
from offices.tests.factories import OfficeFactory
from tests.support import SharedRows

pytestmark = pytest.mark.django_db

MADE: list[int] = []


def make() -> int:
    office = OfficeFactory(terc="2499991", unit="Gmina Wspólna")
    MADE.append(office.pk)
    return office.pk


@pytest.fixture(scope="module")
def _office_rows(django_db_setup, django_db_blocker):
    yield from SharedRows.made("office", make, django_db_blocker)


@pytest.fixture
def office(request, _office_rows, db) -> Office:
    return Office.objects.get(pk=_office_rows.get(request) or make())


def test_a_test_changes_the_shared_rows(office):
    Office.objects.filter(pk=office.pk).update(unit="Zmieniona")
    OfficeFactory(terc="2499981")
    assert [office.pk] == MADE


def test_the_next_test_finds_them_as_made_and_made_once(office):
    assert (office.unit, Office.objects.filter(terc="2499981").exists()) == ("Gmina Wspólna", False)
    assert [office.pk] == MADE


def test_a_test_that_does_not_ask_sees_none_of_them():
    assert not Office.objects.filter(terc="2499991").exists()


def test_a_later_test_asking_again_gets_them_made_in_its_own_transaction(office):
    assert len(MADE) == 2 and office.pk == MADE[-1]
