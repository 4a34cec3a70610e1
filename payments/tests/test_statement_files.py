"""Reading bank statement files: two Polish banks' MT940 layouts, camt.053.001.02 and .08, and
refusals of malformed files with the line and the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from payments.statements import StatementRejected, read_statement_file
from payments.statements.accounts import is_valid_nrb, nrb_check_digits
from payments.statements.details86 import read_details

FILES = Path(__file__).parent / "statement_files"


def _bytes(name: str) -> bytes:
    return (FILES / name).read_bytes()


def test_pko_bp_layout_in_windows_1250_with_tilde_subfields():
    parsed = read_statement_file(_bytes("pko_bp_cp1250.sta"))
    assert (parsed.format, parsed.encoding) == ("mt940", "cp1250")
    [statement] = parsed.statements
    assert statement.account == "50102024010000123400001234"
    assert (statement.number, statement.currency) == ("214", "PLN")
    assert (statement.opening_grosze, statement.closing_grosze) == (100000, 162000)
    assert statement.debit_count == 1
    first, second, third = statement.credits
    assert first.amount_grosze == 1700
    assert first.value_date == first.booking_date == dt.date(2026, 11, 27)
    assert first.title == "OPŁATA SKARBOWA PEŁNOMOCNICTWO"  # ~20 cut at full width, ~21 glued
    assert first.counterparty_name == "JAN KOWALSKI"
    assert first.counterparty_account == "96105011130000000123456781"
    assert first.credited_accounts == ("59102024014201000000000101",)  # the ~60 virtual account
    assert first.bank_reference == "26331012345601"
    assert first.key == "ref:26331012345601"
    assert (first.first_line, first.last_line) == (5, 15)
    assert second.title.startswith("ZNAK SPRAWY AB.6730.15.2026")
    assert second.counterparty_name == "ANNA NOWAK"
    assert third.title == "OPŁATA SKARBOWA DECYZJA O WARUNKACH ZABUDOWY ŁĄKOWA 5"
    assert third.counterparty_name == "SPÓŁDZIELNIA MIESZKANIOWA ŚLĄSK W GLIWICACH"
    assert (third.first_line, third.last_line) == (25, 31)
    assert parsed.total_grosze == 1700 + 1000 + 59800


def test_mbank_layout_in_utf8_with_angle_subfields_wrapped_mid_field():
    parsed = read_statement_file(_bytes("mbank_utf8.sta"))
    assert (parsed.format, parsed.encoding) == ("mt940", "utf-8")
    [statement] = parsed.statements
    assert statement.account == "64114020040040000123456789"
    assert statement.number == "233"
    first, second = statement.credits
    assert first.title == "OPŁATA SKARBOWA 2X ZAŚWIADCZENIE GKN.6831.7.2026"
    assert first.counterparty_name == "PRZEDSIĘBIORSTWO HANDLOWE „ŻURAW” SP. Z O.O."
    # <31 wrapped onto the next line mid-number; <38 wins over <30/<31 anyway.
    assert first.counterparty_account == "40109010144000000012345678"
    # Without <38 the NRB is built from the sort code <30 and the account <31.
    assert second.counterparty_account == "96105011130000000123456781"
    assert second.counterparty_name == "JAN KOWALSKI"
    assert (first.first_line, first.last_line) == (5, 9)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("pko_bp_cp1250.sta", "utf-8"), ("mbank_utf8.sta", "cp1250"), ("pko_bp_cp1250.sta", "cp852")],
)
def test_the_same_statement_in_another_encoding_reads_the_same(name, encoding):
    original = read_statement_file(_bytes(name))
    text = _bytes(name).decode(original.encoding)
    recoded = read_statement_file(text.encode(encoding))
    assert recoded.encoding == encoding
    assert recoded.statements == original.statements


def test_camt053_001_02_splits_a_batch_and_skips_debits_and_pending_entries():
    parsed = read_statement_file(_bytes("camt053_001_02.xml"))
    assert parsed.format == "camt.053.001.02"
    [statement] = parsed.statements
    assert (statement.account, statement.number) == ("50102024010000123400001234", "215")
    assert (statement.opening_grosze, statement.closing_grosze, statement.debit_count) == (
        162000,
        168500,
        1,
    )
    single, batch_one, batch_two = statement.credits
    assert single.credited_accounts == ("32102024014201000000000102",)
    assert single.counterparty_name == "Maria Wiśniewska"
    assert single.title == "Opłata skarbowa pełnomocnictwo"
    assert single.key == "ref:26332012345611"
    assert (batch_one.amount_grosze, batch_two.amount_grosze) == (5000, 1000)
    assert batch_one.bank_reference == "26332012345612-1"
    assert batch_one.title == "WYPIS Z PLANU ZNAK AB.6727.3.2026"
    assert batch_two.counterparty_account == ""
    assert batch_one.first_line < batch_one.last_line < batch_two.first_line


def test_camt053_001_08_reads_party_names_and_several_remittance_lines():
    parsed = read_statement_file(_bytes("camt053_001_08.xml"))
    assert parsed.format == "camt.053.001.08"
    [credit] = parsed.credits
    assert credit.amount_grosze == 10000
    assert credit.counterparty_name == 'Zakład Usług Technicznych "Kwadrat" s.c.'
    assert credit.title == "Zezwolenie na zajęcie pasa drogowego znak DR.7230.41.2026"
    assert credit.value_date == dt.date(2026, 11, 28)


def _refused(data: bytes) -> StatementRejected:
    with pytest.raises(StatementRejected) as caught:
        read_statement_file(data)
    return caught.value


def _pko_text() -> str:
    return _bytes("pko_bp_cp1250.sta").decode("cp1250")


MT940_DEFECTS = [
    (":62F:C261127PLN1620,00", ":62F:C261127PLN1620,01", 32, "closing balance"),
    (":61:2611271127CN10,00", ":61:2611271127CN10,001", 16, "two decimal places"),
    (":61:2611271127CN10,00", ":61:26113X1127CN10,00", 16, "does not follow the MT940 layout"),
    (":28C:00214", ":28C:00214\r\nGARBAGE LINE", 4, "text outside any MT940 field"),
    (":28C:00214", ":28C:00214\r\n:99:what", 4, "unknown field :99:"),
    (":60F:C261126PLN1000,00\r\n", "", 1, "no :60F: or :60M: or :60: field"),
    (":61:2611271127CN10,00", ":61:2613271127CN10,00", 16, "is not a date"),
    (":61:2611271127CN17,00N240", ":61:2611271127CE17,00N240", 5, "currency PLN"),
]


@pytest.mark.parametrize(("old", "new", "line", "reason"), MT940_DEFECTS)
def test_malformed_mt940_is_refused_with_line_and_reason(old, new, line, reason):
    text = _pko_text()
    assert old in text
    error = _refused(text.replace(old, new, 1).encode("cp1250"))
    assert error.line == line
    assert reason in error.reason
    assert str(error).startswith(f"line {line}: ")


def test_field_before_the_statement_header_and_empty_or_foreign_files_are_refused():
    assert _refused(b":25:/PL50102024010000123400001234\r\n:20:X\r\n").line == 1
    assert _refused(b"").reason == "the file is empty"
    error = _refused(b"Date;Amount;Title\n2026-11-27;17,00;fee\n")
    assert (error.line, error.reason) == (1, "neither an MT940 nor a camt.053 statement file")


def _camt(name: str, old: str, new: str) -> bytes:
    text = _bytes(name).decode()
    assert old in text
    return text.replace(old, new, 1).encode()


V02, V08 = "camt053_001_02.xml", "camt053_001_08.xml"
AMOUNT_17 = '<Amt Ccy="PLN">17.00</Amt>'
CAMT_DEFECTS = [
    (V02, AMOUNT_17, '<Amt Ccy="PLN">17.001</Amt>', 31, "at most two decimals"),
    (V02, AMOUNT_17, '<Amt Ccy="PLN">-17.00</Amt>', 31, "non-negative"),
    (V02, AMOUNT_17, '<Amt Ccy="PLN">18.00</Amt>', 8, "closing balance"),
    (V02, '<Amt Ccy="PLN">10.00</Amt>', '<Amt Ccy="PLN">11.00</Amt>', 50, "add up to 6100"),
    (V02, AMOUNT_17, '<Amt Ccy="EUR">17.00</Amt>', 31, "currency EUR"),
    (
        V08,
        "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>",
        "<CdtDbtInd>X</CdtDbtInd><Sts>",
        31,
        "CRDT",
    ),
    (V08, "camt.053.001.08", "camt.052.001.08", 2, "not a camt.053"),
    (V08, "</Ntry>", "</Ntr>", 54, "Not well-formed"),
]


@pytest.mark.parametrize(("name", "old", "new", "line", "reason"), CAMT_DEFECTS)
def test_malformed_camt053_is_refused_with_line_and_reason(name, old, new, line, reason):
    error = _refused(_camt(name, old, new))
    assert reason in error.reason
    assert error.line == line


def test_xml_with_a_document_type_declaration_is_refused():
    error = _refused(b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x "y">]>\n<d>&x;</d>')
    assert "Document type declarations are not allowed" in error.reason


def test_nrb_check_digits_follow_iso_7064_mod_97_10():
    assert nrb_check_digits("102024010000123400001234") == "50"
    assert is_valid_nrb("50102024010000123400001234")
    assert not is_valid_nrb("51102024010000123400001234")


def test_unstructured_details_are_not_taken_for_polish_subfields():
    assert read_details("PRZELEW OTRZYMANY OD JANA") is None
    details = read_details("020^00WPLATA^20TYTUL^32NADAWCA")
    assert (details.code, details.title, details.counterparty_name) == ("020", "TYTUL", "NADAWCA")


def test_camt053_is_streamed_with_the_hardened_limits(settings):
    data = _bytes(V08)
    settings.PAYMENTS_STATEMENT_MAX_ELEMENTS = 20
    error = _refused(data)
    assert "More than 20 elements" in error.reason
    settings.PAYMENTS_STATEMENT_MAX_ELEMENTS = 8_000_000
    deep = data.decode().replace("<Ustrd>", "<Ustrd>" + "<x>" * 40 + "</x>" * 40, 1).encode()
    assert "Nesting deeper than 32" in _refused(deep).reason
    entity = data.replace(b"?>", b'?>\n<!DOCTYPE Document [<!ENTITY e "x">]>', 1)
    assert "Document type declarations are not allowed" in _refused(entity).reason


def test_camt053_lines_of_pretty_printed_entries():
    # Every element on its own line: an entry ends on the line before the next one starts.
    text = _bytes(V02).decode().replace("><", ">\n<")
    [statement] = read_statement_file(text.encode()).statements
    single, batch_one, batch_two = statement.credits
    assert single.first_line < single.last_line < batch_one.first_line
    assert batch_one.last_line == batch_two.first_line - 1
