"""The tariff as data, fee rules and fee accounts (stamp duty to the seat gmina)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from stdnum import iban

from offices.models import Office
from payments.models import FeeAccount, FeeType, TariffItem
from payments.rules import RuleError, check_lines, line_amount
from payments.services import fee_assessment, nrb, sort_code_check_digit, virtual_account
from payments.services.seed import DEMO_SORT_CODE, payments_seed

pytestmark = pytest.mark.django_db


def test_tariff_is_data_with_periods(seeded):
    wz = TariffItem.objects.filter(code="I.8").order_by("valid_from")
    assert [i.amount_grosze for i in wz] == [10700, 59800]
    assert wz[1].fee_type == FeeType.STAMP_DUTY
    assert TariffItem.objects.get(code="ALK.A").fee_type == FeeType.OFFICE_FEE
    # idempotent: a second seed creates nothing and keeps an admin's correction
    TariffItem.objects.filter(code="II.21").update(amount_grosze=1800)
    assert payments_seed() == {"tariff": 0, "rules": 0, "accounts": 0}
    assert TariffItem.objects.get(code="II.21").amount_grosze == 1800


def test_fee_follows_the_tariff_valid_on_the_filing_day(seeded):
    TariffItem.objects.filter(code="II.21").update(valid_to=dt.date(2026, 6, 30))
    TariffItem.objects.create(
        code="II.21",
        fee_type=FeeType.STAMP_DUTY,
        subject="zaświadczenie",
        legal_basis="test",
        amount_grosze=2000,
        valid_from=dt.date(2026, 7, 1),
    )
    before = fee_assessment(service=seeded.certificate, data={}, on=dt.date(2026, 6, 30))
    after = fee_assessment(service=seeded.certificate, data={}, on=dt.date(2026, 7, 1))
    assert (before.total_grosze, after.total_grosze) == (1700, 2000)


def test_per_unit_and_pro_rata_rules(seeded):
    two = fee_assessment(service=seeded.usc, data={"RodzajOdpisu": "zupelny", "LiczbaOdpisow": 2})
    assert [(line.code, line.amount_grosze) for line in two.lines] == [("II.1.zupelny", 6600)]
    # first year of an alcohol permit: 2100 zł × days left (1 Jul – 31 Dec 2026: 184/365)
    permit = fee_assessment(
        service=seeded.alcohol, data={"Rodzaje": ["C"], "WaznoscOd": "2026-07-01"}
    )
    assert permit.total_grosze == 105863  # 210000 × 184 / 365 = 105863.01 → half-up
    assert permit.lines[0].fee_type == FeeType.OFFICE_FEE


def test_rule_lines_are_typed_not_code():
    with pytest.raises(RuleError):
        check_lines([{"kind": "eval", "item": "X", "expr": "__import__('os')"}])
    with pytest.raises(RuleError):
        check_lines([{"kind": "item", "item": "X", "if": "Pole ==="}])
    line = {"kind": "per_unit", "item": "I.51.2", "quantity": "N", "round_up": True}
    assert line_amount({**line, "max_grosze": 20000}, 2000, {"N": "10.2"}) == 20000
    assert line_amount(line, 2000, {"N": "2.1"}) == 6000
    with pytest.raises(RuleError):
        line_amount(line, 2000, {"N": "dużo"})


def test_nrb_check_digits_and_virtual_accounts(seeded):
    assert sort_code_check_digit("1090101") == "4"  # Santander 1090 1014
    assert nrb(sort_code="10901014", account_digits="0000071219812874") == (
        "PL61109010140000071219812874"
    )
    account = FeeAccount.objects.get(office__terc="2466011", fee_type=FeeType.STAMP_DUTY)
    number = virtual_account(account=account, number=123)
    assert iban.is_valid(number) and number[4:12] == DEMO_SORT_CODE
    assert number.endswith(account.collection_prefix + "0000000123")
    with pytest.raises(ValueError):
        virtual_account(account=account, number=10**10)


def test_stamp_duty_goes_to_the_seat_gmina():
    from payments.tests.fixtures import load

    load()
    gliwice = FeeAccount.objects.get(office__terc="2466011", fee_type=FeeType.STAMP_DUTY)
    county = Office.objects.get(terc="2405")  # powiat gliwicki, seat Gliwice
    county_stamp = FeeAccount.objects.get(office=county, fee_type=FeeType.STAMP_DUTY)
    county_own = FeeAccount.objects.get(office=county, fee_type=FeeType.OFFICE_FEE)
    assert county_stamp.iban == gliwice.iban and county_stamp.holder == gliwice.holder
    assert county_own.iban != gliwice.iban
    marshal = Office.objects.get(terc="24")
    katowice = FeeAccount.objects.get(office__terc="2469011", fee_type=FeeType.STAMP_DUTY)
    assert FeeAccount.objects.get(office=marshal, fee_type=FeeType.STAMP_DUTY).iban == (
        katowice.iban
    )
    assert FeeAccount.objects.count() == 2 * Office.objects.count()
    assert all(iban.is_valid(a.iban) and a.is_demo for a in FeeAccount.objects.all())


def test_power_of_attorney_is_charged_unless_close_family(seeded):
    proxy = fee_assessment(service=seeded.certificate, data={"PrzezPelnomocnika": True})
    assert [(line.code, line.amount_grosze) for line in proxy.lines] == [
        ("II.21", 1700),
        ("IV.1", 1700),
    ]
    assert proxy.by_fee_type() == {FeeType.STAMP_DUTY: list(proxy.lines)}  # one order
    family = fee_assessment(
        service=seeded.certificate,
        data={"PrzezPelnomocnika": True, "PelnomocnikBliskiKrewny": True},
    )
    assert [line.code for line in family.lines] == ["II.21"]
    assert family.exempt == (
        "pełnomocnictwo udzielone małżonkowi, wstępnemu, zstępnemu lub rodzeństwu",
    )
    # a free matter filed by a proxy still costs the power of attorney
    from offices.models import Service

    free = Service(office=seeded.certificate.office, fee_kind="none", title="Pismo ogólne")
    assert fee_assessment(service=free, data={"PrzezPelnomocnika": True}).total_grosze == 1700
    assert fee_assessment(service=free, data={"PrzezPelnomocnika": False}).lines == ()


def test_a_company_representative_pays_for_the_registered_power_of_attorney(seeded):
    # filed for a company on the representative's registered power of attorney: charged,
    # even with the form's close-family answer (a company has no family) and without the
    # form's proxy question
    for data in ({}, {"PrzezPelnomocnika": False, "PelnomocnikBliskiKrewny": True}):
        assessment = fee_assessment(service=seeded.certificate, data=data, by_representative=True)
        assert [line.code for line in assessment.lines] == ["II.21", "IV.1"]
        assert assessment.exempt == ()
    assert [line.code for line in fee_assessment(service=seeded.certificate, data={}).lines] == [
        "II.21"
    ]


def test_every_seed_form_with_a_proxy_asks_about_close_family():
    """The exemption's field is in every seeded form that lets a proxy file, shown only when
    a proxy files, and is the field the exemption rule reads."""
    from forms_platform.seeding import seed_files
    from payments.services.tariff import CLOSE_FAMILY_FIELD, PROXY_FIELD

    def fields(node):
        if isinstance(node, dict):
            yield from (f for f in node.get("fields", []) if isinstance(f, dict))
            for value in node.values():
                yield from fields(value)
        elif isinstance(node, list):
            for value in node:
                yield from fields(value)

    with_proxy = 0
    for form in seed_files():
        by_name = {field["name"]: field for field in fields(form["definition"])}
        if PROXY_FIELD not in by_name:
            continue
        with_proxy += 1
        family = by_name[CLOSE_FAMILY_FIELD]
        assert family["type"] == "yesno", form["slug"]
        assert family["visible_if"] == f"{PROXY_FIELD} is true", form["slug"]
    assert with_proxy == 4
    rule = (Path(__file__).parents[1] / "data" / "exemptions.csv").read_text()
    assert f"{CLOSE_FAMILY_FIELD} is true" in rule
