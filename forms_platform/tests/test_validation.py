"""Each kind of bad input gets its own specific message (English msgids; Polish in the .po)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import translation

from forms_platform import rules, validation
from forms_platform.definition import check_definition
from forms_platform.sniff import sniff

TODAY = dt.date(2026, 5, 1)


def form(*fields):
    return {"format": 1, "steps": [{"key": "k", "title": "Krok", "fields": list(fields)}]}


def errors_for(definition, data, files=None):
    with translation.override("en"):
        return validation.validate_data(definition, data, files, today=TODAY)


@pytest.mark.parametrize(
    "ftype,value,message",
    [
        ("pesel", "44051401358", "The PESEL number has a wrong check digit."),
        ("pesel", "4405140135", "A PESEL number has exactly 11 digits."),
        ("pesel", "44053201353", "The PESEL number contains an impossible date of birth."),
        ("nip", "1234563219", "The NIP number has a wrong check digit."),
        ("nip", "123456321", "A NIP number has exactly 10 digits."),
        ("regon", "123456786", "The REGON number has a wrong check digit."),
        ("regon", "1234567", "A REGON number has 9 or 14 digits."),
        ("iban", "PL62109010140000071219812874", "The account number has wrong check digits."),
        (
            "iban",
            "PL101090101400000712198128",
            "The account number has a wrong length or format for its country.",
        ),
        ("postal_code", "44100", "Enter the postal code as NN-NNN, for example 40-001."),
        ("postal_code", "44-1000", "Enter the postal code as NN-NNN, for example 40-001."),
        ("email", "jan@", "Enter a valid e-mail address, for example jan@example.pl."),
        ("phone", "12-34", "Enter a phone number of 9 to 15 digits, optionally starting with +."),
        ("money", "12,345", "Enter an amount in złoty, for example 125,50."),
        ("number", "1.5", "Enter a whole number."),
        ("date", "2024-02-30", "Enter a real date as YYYY-MM-DD, for example 2024-03-15."),
        ("yesno", "maybe", "Choose yes or no."),
    ],
)
def test_specific_message_for_each_bad_value(ftype, value, message):
    assert errors_for(form({"name": "Pole", "type": ftype, "label": "x"}), {"Pole": value}) == {
        "Pole": [message]
    }


@pytest.mark.parametrize(
    "ftype,value,expected",
    [
        ("pesel", " 440514 01359 ", "44051401359"),
        ("nip", "PL 123-456-32-18", "1234563218"),
        ("iban", "61 1090 1014 0000 0712 1981 2874", "PL61109010140000071219812874"),
        ("money", "1 234,50", 123450),
        ("money", 99, 99),
        ("date", "15.03.2024", dt.date(2024, 3, 15)),
        ("phone", "+48 32 123-45-67", "+48321234567"),
        ("yesno", "tak", True),
    ],
)
def test_good_values_are_normalised(ftype, value, expected):
    cleaned, errors = validation.clean_data(
        form({"name": "Pole", "type": ftype, "label": "x"}), {"Pole": value}, today=TODAY
    )
    assert errors == {}
    assert cleaned == {"Pole": expected}


def test_dates_in_the_future_refused_where_not_allowed():
    definition = form({"name": "Data", "type": "date", "label": "x", "not_future": True})
    assert errors_for(definition, {"Data": "2026-05-02"}) == {
        "Data": ["The date cannot be in the future."]
    }
    assert errors_for(definition, {"Data": "2026-05-01"}) == {}
    past = form({"name": "Data", "type": "date", "label": "x", "not_past": True})
    assert errors_for(past, {"Data": "2026-04-30"}) == {"Data": ["The date cannot be in the past."]}


def test_missing_conditional_field_and_hidden_field_ignored():
    definition = form(
        {
            "name": "Rodzaj",
            "type": "choice",
            "label": "x",
            "required": True,
            "options": [{"value": "a", "label": "A"}, {"value": "inne", "label": "Inne"}],
        },
        {
            "name": "Opis",
            "type": "text",
            "label": "y",
            "visible_if": 'Rodzaj == "inne"',
            "required_if": 'Rodzaj == "inne"',
        },
        {"name": "Kwota", "type": "money", "label": "z"},
        {"name": "Uzasadnienie", "type": "text", "label": "u", "required_if": "Kwota > 1000"},
    )
    assert errors_for(definition, {"Rodzaj": "inne"}) == {
        "Opis": ["This field is required because of your earlier answers."]
    }
    cleaned, errors = validation.clean_data(
        definition, {"Rodzaj": "a", "Opis": "ignored"}, today=TODAY
    )
    assert errors == {} and cleaned == {"Rodzaj": "a"}
    assert errors_for(definition, {"Rodzaj": "a", "Kwota": "1000,01"}) == {
        "Uzasadnienie": ["This field is required because of your earlier answers."]
    }
    assert errors_for(definition, {"Rodzaj": "a", "Kwota": "1000,00"}) == {}
    assert errors_for(definition, {}) == {"Rodzaj": ["This field is required."]}


def test_too_many_and_too_few_repeats():
    definition = form(
        {
            "name": "Dzieci",
            "type": "group",
            "label": "Dzieci",
            "min_items": 2,
            "max_items": 3,
            "required": True,
            "fields": [
                {"name": "Imie", "type": "text", "label": "Imię", "required": True},
                {"name": "PESEL", "type": "pesel", "label": "PESEL"},
            ],
        }
    )
    item = {"Imie": "Ala"}
    assert errors_for(definition, {"Dzieci": [item] * 4}) == {
        "Dzieci": ["You can add at most 3 items here (you added 4)."]
    }
    assert errors_for(definition, {"Dzieci": [item]}) == {"Dzieci": ["Add at least 2 items."]}
    assert errors_for(definition, {"Dzieci": [item, {"Imie": "", "PESEL": "44051401358"}]}) == {
        "Dzieci.1.Imie": ["This field is required."],
        "Dzieci.1.PESEL": ["The PESEL number has a wrong check digit."],
    }
    # blank rows (an unused row of the HTML form) are dropped, not counted
    assert errors_for(definition, {"Dzieci": [item, item, {"Imie": " "}]}) == {}


def test_person_and_institution_blocks_report_their_parts():
    definition = form(
        {"name": "Osoba", "type": "person", "label": "x", "required": True, "with_address": True},
        {"name": "Firma", "type": "institution", "label": "y", "require_nip": True},
    )
    errors = errors_for(
        definition,
        {
            "Osoba": {
                "first_name": "Jan",
                "last_name": "K",
                "pesel": "44051401358",
                "address": {"postal_code": "4400", "city": "Gliwice", "building": "1"},
            },
            "Firma": {"name": "ACME", "nip": "1234563219", "regon": "123456786"},
        },
    )
    assert errors == {
        "Osoba.pesel": ["The PESEL number has a wrong check digit."],
        "Osoba.address.postal_code": ["Enter the postal code as NN-NNN, for example 40-001."],
        "Firma.nip": ["The NIP number has a wrong check digit."],
        "Firma.regon": ["The REGON number has a wrong check digit."],
    }


PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def test_attachments_sniffed_not_trusted_by_name():
    definition = form(
        {
            "name": "Skan",
            "type": "attachment",
            "label": "x",
            "allowed_types": ["pdf"],
            "max_size": 1000,
            "max_files": 2,
        }
    )
    exe = {"name": "skan.pdf", "content": b"MZ\x90\x00" + b"\x00" * 60}
    assert errors_for(definition, {"Skan": [exe]}) == {
        "Skan": ["The file “skan.pdf” is not what its name says: its content is a Windows program."]
    }
    png_named_pdf = {"name": "skan.pdf", "content": PNG}
    assert errors_for(definition, {"Skan": [png_named_pdf]}) == {
        "Skan": ["The file “skan.pdf” is not what its name says: its content is a PNG image."]
    }
    png = {"name": "zdjecie.png", "content": PNG}
    assert errors_for(definition, {"Skan": [png]}) == {
        "Skan": ["The file “zdjecie.png” is a PNG image; allowed here: PDF."]
    }
    big = {"name": "duzy.pdf", "content": PDF + b"x" * 2000}
    assert errors_for(definition, {"Skan": [big]}) == {
        "Skan": ["The file “duzy.pdf” is 2 kB; the limit is 1000 B."]
    }
    too_many = [{"name": f"{i}.pdf", "content": PDF} for i in range(3)]
    assert errors_for(definition, {"Skan": too_many}) == {
        "Skan": ["You can attach at most 2 files."]
    }
    cleaned, errors = validation.clean_data(
        definition, {"Skan": [{"name": "C:\\dok\\skan.PDF", "content": PDF}]}, today=TODAY
    )
    assert errors == {}
    assert (
        cleaned["Skan"][0].name == "skan.PDF"
        and cleaned["Skan"][0].content_type == "application/pdf"
    )


def test_sniffing_office_documents_inside_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff(buffer.getvalue()).key == "docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert sniff(buffer.getvalue()).key == "odt"
    assert sniff(b"<?xml version='1.0'?><a/>").key == "xml"
    assert sniff("zażółć".encode()).key == "txt"
    assert sniff(b"\x00\x01\x02").key == "unknown"


def test_rule_language():
    tree = rules.compile_rule('A == "x" and (B > 10 or not C is true) and D in ["p", "q"]')
    assert rules.referenced_fields(tree) == {"A", "B", "C", "D"}
    assert rules.evaluate(tree, {"A": "x", "B": 11, "C": True, "D": "q"})
    assert not rules.evaluate(tree, {"A": "x", "B": 9, "C": True, "D": "q"})
    assert rules.evaluate(rules.compile_rule("X is empty"), {})
    assert rules.evaluate(rules.compile_rule('M == "b"'), {"M": ["a", "b"]})
    assert rules.evaluate(rules.compile_rule('D >= "2024-01-01"'), {"D": dt.date(2024, 1, 1)})
    for bad in ("A ==", "A = 1", "(A is true", "A in [1,", "== 1"):
        with pytest.raises(rules.RuleSyntaxError):
            rules.compile_rule(bad)


def test_definition_checker_explains_problems():
    bad = form(
        {"name": "ąbc", "type": "text", "label": "x"},
        {"name": "Opis", "type": "text", "label": "", "visible_if": "Pozniej is filled"},
        {"name": "Pozniej", "type": "nope", "label": "z"},
        {"name": "Wybor", "type": "choice", "label": "w", "options": []},
    )
    with translation.override("en"):
        problems = check_definition(bad)
    assert any("ąbc" in p and "capital letter" in p for p in problems)
    assert "Field Opis has no label." in problems
    assert "Field Opis: the rule reads Pozniej, which is not an earlier field." in problems
    assert "Field Pozniej has an unknown type nope." in problems
    assert "Field Wybor has no options to choose from." in problems


def test_every_message_has_a_polish_translation(tmp_path):
    import gettext
    import re
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parents[1] / "locale" / "pl" / "LC_MESSAGES" / "django.po"
    mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    text = po.read_text()
    assert 'msgstr ""\n\n' not in text.split("\n\n", 1)[1] + "\n\n"  # nothing left untranslated
    assert (
        catalogue.gettext("The PESEL number has a wrong check digit.")
        == "Numer PESEL ma błędną cyfrę kontrolną."
    )
    assert (
        catalogue.ngettext(
            "You can add at most %(max)d item here (you added %(n)d).",
            "You can add at most %(max)d items here (you added %(n)d).",
            5,
        )
        == "Możesz dodać najwyżej %(max)d pozycji (dodano %(n)d)."
    )
    assert re.search(r"Plural-Forms: nplurals=4", text)


@pytest.mark.parametrize("ftype", ["text", "textarea", "email"])
def test_characters_xml_cannot_hold_are_refused_not_crashing(ftype):
    definition = form({"name": "Pole", "type": ftype, "label": "x"})
    for bad in ("a\x01b@example.pl", "x\ud800y@example.pl"):
        errors = errors_for(definition, {"Pole": bad})
        assert list(errors) == ["Pole"]


def test_unknown_keys_in_a_group_item_are_not_input():
    """A required group whose children are all optional, given only a key the form does not
    have, is still empty (found by the round-trip property; the built document failed its XSD)."""
    definition = form(
        {
            "name": "Adres",
            "type": "group",
            "label": "Adres",
            "required": True,
            "fields": [{"name": "Ulica", "type": "text", "label": "Ulica"}],
        }
    )
    assert errors_for(definition, {"Adres": [{"nieznane": "x"}]}) == {
        "Adres": ["This field is required."]
    }
    assert errors_for(definition, {"Adres": [{"Ulica": "Długa", "nieznane": "x"}]}) == {}
