"""Property: for any definition and valid data, the document is XSD-valid and parses back."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from forms_platform import validation, xmldoc
from forms_platform.definition import check_definition
from forms_platform.xsd import generate_xsd, load_schema, schema_errors
from forms_platform.xsl import generate_xsl
from tests.support import examples

from .strategies import definitions, filled

NS = "http://sekap.slaskie.pl/wzor_lokalny/2026/01/01/0042/"
SENDER = {
    "kind": "person",
    "first_name": "Zażółć",
    "last_name": "Gęślą <Jaźń>",
    "pesel": "44051401359",
}
ADDRESSEE = {"kind": "institution", "name": "Urząd & Gmina", "nip": "1234563218"}


@st.composite
def forms_with_data(draw):
    definition = draw(definitions())
    return definition, draw(filled(definition))


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(forms_with_data())
def test_build_then_parse_is_identity_and_schema_valid(form_and_data):
    definition, data = form_and_data
    assert check_definition(definition) == []
    cleaned, errors = validation.clean_data(definition, data, today=dt.date(2026, 1, 1))
    assert errors == {}
    assert cleaned == data  # generated data is already canonical
    root = xmldoc.build_xml(
        definition=definition,
        namespace=NS,
        identifier="2026/01/01/0042",
        title="Wniosek",
        data=cleaned,
        sender=SENDER,
        addressee=ADDRESSEE,
    )
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    parsed = xmldoc.safe_parse(xml)
    assert schema_errors(load_schema(generate_xsd(definition, NS)), parsed) == []
    assert xmldoc.read_data(parsed, definition) == data
    envelope = xmldoc.read_envelope(parsed)
    assert envelope.sender == SENDER and envelope.addressee == ADDRESSEE
    html = str(etree.XSLT(etree.fromstring(generate_xsl(definition, NS).encode()))(parsed))
    assert "Zażółć" in html


@settings(max_examples=examples(25), deadline=None)
@given(definitions())
def test_generated_schema_and_stylesheet_are_deterministic(definition):
    assert generate_xsd(definition, NS) == generate_xsd(definition, NS)
    assert generate_xsl(definition, NS) == generate_xsl(definition, NS)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions(), st.data())
def test_any_json_input_gives_errors_or_a_valid_document(definition, data):
    names = [spec["name"] for step in definition["steps"] for spec in step["fields"]]
    raw = {name: data.draw(JSON) for name in names}
    cleaned, errors = validation.clean_data(definition, raw, today=dt.date(2026, 1, 1))
    assert isinstance(errors, dict)
    if not errors:
        root = xmldoc.build_xml(
            definition=definition,
            namespace=NS,
            identifier="2026/01/01/0042",
            title="W",
            data=cleaned,
            sender=SENDER,
            addressee=ADDRESSEE,
        )
        assert schema_errors(load_schema(generate_xsd(definition, NS)), root) == []
