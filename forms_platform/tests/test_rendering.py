"""Rendering documents: HTML through the version's XSL, PDF through WeasyPrint."""

from __future__ import annotations

import io

import pypdf
import pytest

from forms_platform import selectors

from .factories import ADDRESSEE, make_published

pytestmark = pytest.mark.django_db

DATA = {
    "Wnioskodawca": {"first_name": "Żaneta", "last_name": "Łęcka-Źdźbło", "pesel": "44051401359"},
    "Kwota": 123456,
    "DataZdarzenia": "2024-02-29",
    "Rodzaj": "inna",
    "Opis": "Zażółć gęślą jaźń.\nDruga linia.",
}
SENDER = {"kind": "person", "first_name": "Żaneta", "last_name": "Łęcka-Źdźbło"}


def test_html_rendering_shows_values_formatted():
    version = make_published()
    xml = selectors.build_document(version=version, data=DATA, sender=SENDER, addressee=ADDRESSEE)
    html = selectors.render_html(xml)
    assert "Żaneta Łęcka-Źdźbło" in html
    assert "1\u00a0234,56\u00a0zł" in html
    assert "29.02.2024" in html
    assert "<dt>Rodzaj sprawy</dt><dd>Inna</dd>" in html
    fragment = selectors.render_html(xml, fragment=True)
    assert fragment.startswith('<article class="dokument">')


def test_pdf_rendering_keeps_polish_characters():
    version = make_published()
    xml = selectors.build_document(version=version, data=DATA, sender=SENDER, addressee=ADDRESSEE)
    pdf = selectors.render_pdf(xml)
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Łęcka-Źdźbło" in text
    assert "Zażółć gęślą jaźń." in text
