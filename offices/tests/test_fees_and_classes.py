"""Legal numbers of the catalogue: every fee tied to its tariff row, every case class a leaf."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError

from forms_platform.seeding import seed_catalogue, seed_files
from offices.catalogue import _routing, catalogue_entries, fee_fields
from offices.fees import fee_exemption_label
from offices.jrwa import LISTS_OF_KIND, case_class, is_leaf, jrwa_list
from offices.models import Service
from offices.tariff import TariffError, tariff_item, tariff_items
from offices.tests.factories import OfficeFactory

ENTRIES = {entry.slug: entry for entry in catalogue_entries()}
CITATION = re.compile(r"cz\. ([IVX]+) ust\. (\d+)")


def test_every_seed_fee_names_a_tariff_row_with_the_same_amount():
    today = dt.date.today()
    checked = 0
    for entry in catalogue_entries():
        for item in entry.fee.get("items", []):
            row = tariff_item(item["tariff"], on=today)
            assert item["amount_grosze"] == row.amount_grosze, (entry.slug, item)
            checked += 1
        if entry.fee["kind"] == "tariff":
            assert entry.fee["items"], entry.slug  # a fixed fee always names its rows
    assert checked == 18


def test_the_annex_positions_the_review_found_wrong():
    def rows(slug: str) -> list[tuple[str, str, int]]:
        return [
            (r.part, r.item, r.amount_grosze)
            for r in (tariff_item(i["tariff"]) for i in ENTRIES[slug].fee["items"])
        ]

    assert rows("warunki-zabudowy") == [("I", "8", 59800)]
    assert tariff_item("I.9").subject.startswith("przeniesienie decyzji o warunkach zabudowy")
    assert tariff_item("I.9").amount_grosze == 5600
    assert rows("odpis-aktu-stanu-cywilnego") == [("II", "1", 2200), ("II", "1", 3300)]
    assert rows("wniosek-o-zaswiadczenie") == [("II", "21", 1700)]
    assert rows("zaswiadczenie-przeznaczenie-dzialki") == [("II", "21", 1700)]
    # the plan extract is not part I item 4; its item number is not confirmed, so the public
    # legal basis names the act only
    assert {r[:2] for r in rows("wypis-wyrys-mpzp")} == {("I", "51")}
    assert fee_fields(ENTRIES["wypis-wyrys-mpzp"].fee)["fee_legal_basis"] == (
        "ustawa z dnia 16 listopada 2006 r. o opłacie skarbowej, załącznik"
    )
    # 21 zł is not "part II item 21": that item is the 17 zł certificate
    tax = tariff_item(ENTRIES["zaswiadczenie-o-niezaleganiu"].fee["items"][0]["tariff"])
    assert (tax.item, tax.amount_grosze, tax.status) == ("", 2100, "to_verify")
    assert fee_fields(ENTRIES["warunki-zabudowy"].fee)["fee_legal_basis"] == (
        "ustawa z dnia 16 listopada 2006 r. o opłacie skarbowej, załącznik, cz. I ust. 8"
    )


def test_every_annex_position_cited_in_a_seed_is_a_confirmed_row_of_the_table():
    confirmed = {(r.part, r.item) for r in tariff_items() if r.status == "confirmed"}
    for seed in seed_files():
        text = json.dumps({k: seed[k] for k in ("description", "catalogue")}, ensure_ascii=False)
        text = text.replace(seed["catalogue"].get("editor_note", ""), "")
        for part, item in CITATION.findall(text):
            assert (part, item) in confirmed, (seed["slug"], part, item)


def test_tariff_rows_have_validity_and_the_wz_fee_changed_on_24_july_2020():
    assert tariff_item("I.8", on=dt.date(2020, 7, 23)).amount_grosze == 10700
    assert tariff_item("I.8", on=dt.date(2020, 7, 24)).amount_grosze == 59800
    with pytest.raises(TariffError):
        tariff_item("I.4")
    codes = [(r.code, r.valid_from) for r in tariff_items()]
    assert len(codes) == len(set(codes))


def test_a_seed_amount_that_differs_from_the_tariff_is_refused():
    stale = {"kind": "tariff", "items": [{"tariff": "I.8", "label": "WZ", "amount_grosze": 10700}]}
    with pytest.raises(TariffError, match="the seed says 10700 grosze, the tariff 59800"):
        fee_fields(stale)
    assert fee_fields(stale, on=dt.date(2019, 1, 1))["fee_items"] == [
        {"label": "WZ", "amount_grosze": 10700, "tariff": "I.8"}
    ]


def test_wz_exemption_is_a_rule_on_the_applicants_title_to_the_land():
    service = Service(**fee_fields(ENTRIES["warunki-zabudowy"].fee))
    owner = fee_exemption_label(service=service, data={"TytulPrawny": "wlasnosc"})
    assert (
        owner == "wniosek właściciela albo użytkownika wieczystego terenu, którego dotyczy decyzja"
    )
    assert fee_exemption_label(service=service, data={"TytulPrawny": "uzytkowanie"}) == owner
    assert fee_exemption_label(service=service, data={"TytulPrawny": "brak"}) == ""
    assert fee_exemption_label(service=service, data={}) == ""
    # the form asks for the proof of payment exactly when no exemption applies
    wz = next(s for s in seed_files() if s["slug"] == "warunki-zabudowy")
    fields = {f["name"]: f for step in wz["definition"]["steps"] for f in step["fields"]}
    assert fields["DowodOplaty"]["required_if"] == 'TytulPrawny in ["inny", "brak"]'


def test_wz_has_its_statutory_term_of_90_days():
    assert ENTRIES["warunki-zabudowy"].deadline == "90d"
    assert "art. 64 ust. 1" in ENTRIES["warunki-zabudowy"].deadline_note


# --- JRWA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["municipality", "county", "voivodeship"])
def test_each_jrwa_list_is_a_tree_with_categories_on_its_leaves(name):
    classes = jrwa_list(name)
    category = re.compile(r"^(A|B\d+|BE\d+|Bc)$")
    for symbol, entry in classes.items():
        assert symbol.isdigit() and 1 <= len(symbol) <= 4
        if len(symbol) > 1:
            assert symbol[:-1] in classes, (name, symbol)  # its parent is listed
        if is_leaf(name, symbol):
            assert category.match(entry.category_home), (name, symbol)
            assert category.match(entry.category_other), (name, symbol)


def test_every_seed_service_class_is_a_leaf_of_each_office_kind_list():
    for entry in catalogue_entries():
        for kind in entry.office_kinds:
            found = case_class(office_kind=kind, symbol=entry.jrwa)
            assert found is not None, (entry.slug, kind, entry.jrwa)
    assert set(LISTS_OF_KIND) == {"municipality", "city_county", "county", "voivodeship"}


def test_each_certificate_is_filed_under_the_class_of_its_subject():
    routing = _routing()
    certificates = {e.slug: e for e in catalogue_entries() if "zaświadcz" in e.title.lower()}
    assert set(certificates) == {
        "wniosek-o-zaswiadczenie",
        "zaswiadczenie-o-niezaleganiu",
        "zaswiadczenie-przeznaczenie-dzialki",
    }
    filed = {slug: (routing[e.category], e.jrwa) for slug, e in certificates.items()}
    assert filed == {
        "wniosek-o-zaswiadczenie": ("SO", "5340"),  # population register
        "zaswiadczenie-o-niezaleganiu": ("PD", "3110"),  # local taxes
        "zaswiadczenie-przeznaczenie-dzialki": ("AU", "6727"),  # local plan
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "symbol", "refused"),
    [
        ("municipality", "5340", False),
        ("municipality", "534", True),  # not the last level
        ("municipality", "53", True),
        ("municipality", "5430", True),  # a powiat class
        ("county", "5430", False),
        ("city_county", "5430", False),  # a city keeps both lists
        ("city_county", "5340", False),
        ("voivodeship", "0143", True),  # not a class of the list
    ],
)
def test_a_service_is_refused_a_class_that_is_not_a_leaf_of_its_office_list(
    english, kind, symbol, refused
):
    office = OfficeFactory(kind=kind)
    service = Service(office=office, jrwa_symbol=symbol, fee_kind="none")
    try:
        service.clean()
        errors = {}
    except ValidationError as caught:
        errors = caught.message_dict
    if refused:
        assert errors["jrwa_symbol"] == [
            f"Class {symbol} is not a last-level class of the JRWA list of this kind of office; "
            "cases are opened only on the last level of the class tree."
        ]
    else:
        assert "jrwa_symbol" not in errors


def test_seed_catalogue_keys_stay_within_what_the_catalogue_reads():
    allowed = {
        "slug", "code", "name", "title", "jrwa", "deadline", "deadline_note", "fee",
        "office_kinds", "category", "life_event", "public_description", "editor_note",
        "translations",
    }  # fmt: skip
    for entry in seed_catalogue():
        assert set(entry) <= allowed, entry["slug"]


def test_every_seed_service_has_its_name_and_description_in_english_and_ukrainian():
    for entry in catalogue_entries():
        for language in ("en", "uk"):
            texts = entry.translations[language]
            assert texts["title"] and texts["description"], (entry.slug, language)
            assert texts["title"] != entry.title, (entry.slug, language)
            if entry.deadline_note:
                assert texts["deadline_note"], (entry.slug, language)
            if entry.fee.get("rule") or entry.fee.get("note"):
                assert texts["fee_note"], (entry.slug, language)
            assert len(texts.get("fee_labels", [])) == len(entry.fee.get("items", []))
            assert len(texts.get("exemption_labels", [])) == len(entry.fee.get("exemptions", []))
