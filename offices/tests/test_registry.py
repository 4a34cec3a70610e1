import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from offices.models import Office
from offices.selectors import is_working_day, next_working_day, offices_search
from offices.services import departments_seed_defaults, offices_load_csv
from offices.tests.factories import OfficeFactory
from offices.validators import terc_errors, validate_polish_iban
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_seed_loads_the_54_offices_idempotently():
    first = offices_load_csv()
    second = offices_load_csv()

    assert (first.created, second.created, second.updated) == (54, 0, 0)
    kinds = {
        k: Office.objects.filter(kind=k).count()
        for k in ("voivodeship", "city_county", "county", "municipality")
    }
    assert kinds == {"voivodeship": 1, "city_county": 10, "county": 7, "municipality": 36}
    assert Office.objects.get(terc="2466011").esp_address == "/sekap-2466011/SkrytkaESP"
    assert AuditEntry.objects.filter(action="offices.office.created").count() == 54
    assert verify_chain() is None


def test_default_departments_are_seeded_once():
    offices_load_csv()
    created = departments_seed_defaults()
    assert created > 54 * 4
    assert departments_seed_defaults() == 0
    gliwice = Office.objects.get(terc="2466011")
    assert set(gliwice.departments.values_list("symbol", flat=True)) >= {"KA", "OR", "USC", "KM"}


@pytest.mark.parametrize(
    ("terc", "kind", "gmina_type", "problem"),
    [
        ("2466011", "city_county", "1", None),
        ("2403122", "municipality", "2", None),
        ("2410053", "municipality", "3", None),
        ("24", "voivodeship", "", None),
        ("2402", "county", "", None),
        ("24A6011", "city_county", "1", "digits only"),
        ("246601", "city_county", "1", "7 digits"),
        ("2566011", "city_county", "1", "not a voivodeship code"),
        ("2466014", "city_county", "1", "its type"),
        ("2403122", "municipality", "1", "does not match"),
        ("2401011", "city_county", "1", "from 61 up"),
    ],
)
def test_terc_validation(terc, kind, gmina_type, problem):
    errors = terc_errors(terc, kind, gmina_type)
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_every_seven_digit_code_either_passes_or_explains_why(code):
    errors = terc_errors(code, "municipality")
    assert all(isinstance(e, str) and e for e in errors)


def test_fee_account_must_be_a_valid_polish_iban():
    validate_polish_iban("PL61 1090 1014 0000 0712 1981 2874")
    with pytest.raises(ValidationError, match="check the digits"):
        validate_polish_iban("PL61 1090 1014 0000 0712 1981 2875")
    with pytest.raises(ValidationError, match="Polish"):
        validate_polish_iban("DE89 3704 0044 0532 0130 00")


def test_office_model_rejects_bad_terc_on_full_clean():
    office = OfficeFactory.build(terc="2499999", kind="municipality", gmina_type="1")
    with pytest.raises(ValidationError) as caught:
        office.full_clean()
    assert "terc" in caught.value.message_dict


def test_search_ignores_case_and_polish_diacritics():
    offices_load_csv()
    names = lambda q: {o.terc for o in offices_search(q=q)}  # noqa: E731
    assert "2461011" in names("bielsko-biala")
    assert names("BIELSKO-BIAŁA") == names("bielsko-biala")
    assert "2403122" in names("zebrzydowice")
    assert names("marszalkowski slaskiego") == {"24"}
    assert names("ruda slaska") == names("Ruda Śląska") == {"2472011"}
    assert {o.kind for o in offices_search(kind="county")} == {"county"}


def test_working_calendar_uses_public_holidays_and_office_days_off():
    office = OfficeFactory()
    assert not is_working_day(office=office, day=dt.date(2026, 12, 24))  # Wigilia since 2025
    assert not is_working_day(office=office, day=dt.date(2026, 11, 11))  # Independence Day
    assert is_working_day(office=office, day=dt.date(2026, 12, 22))
    office.days_off.create(date=dt.date(2026, 12, 22), reason="Dzień wolny za 1 listopada")
    assert not is_working_day(office=office, day=dt.date(2026, 12, 22))
    # Friday 2026-12-25 and the weekend, then Monday 28th.
    assert next_working_day(office=office, day=dt.date(2026, 12, 24)) == dt.date(2026, 12, 28)
