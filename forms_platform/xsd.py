"""Generating a version's XSD from its definition, and validating documents against it."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from sekap.xmlsafe import parse_own

from . import fieldtypes
from .constants import FORM_PREFIX, NS_DS, NS_XS, NSMAP_SHARED, SHARED_SCHEMAS
from .definition import iter_fields, unconditionally_required

XS = f"{{{NS_XS}}}"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def _element(parent: etree._Element, tag: str, **attrs) -> etree._Element:
    return etree.SubElement(parent, XS + tag, {k: str(v) for k, v in attrs.items()})


def _field_element(seq: etree._Element, spec: dict) -> None:
    attrs: dict = {"name": spec["name"]}
    required = unconditionally_required(spec)
    if spec["type"] == "group":
        minimum = int(spec.get("min_items") or 0)
        attrs["minOccurs"] = max(minimum, 1) if required else 0
        attrs["maxOccurs"] = int(spec.get("max_items") or 1)
    elif not required:
        attrs["minOccurs"] = 0
    element = _element(seq, "element", **attrs)
    if spec["type"] == "group":
        complex_ = _element(element, "complexType")
        inner = _element(complex_, "sequence")
        for child in spec.get("fields", []):
            _field_element(inner, child)
    else:
        fieldtypes.get(spec["type"]).xsd(element, spec, FORM_PREFIX)


def generate_xsd(definition: dict, namespace: str) -> str:
    """The XSD of the form's ``Dokument`` in ``namespace`` (deterministic text)."""
    nsmap = {"xs": NS_XS, FORM_PREFIX: namespace, **NSMAP_SHARED}
    root = etree.Element(
        XS + "schema",
        {
            "targetNamespace": namespace,
            "elementFormDefault": "qualified",
            "attributeFormDefault": "unqualified",
        },
        nsmap=nsmap,
    )
    for ns in sorted(SHARED_SCHEMAS):
        _element(root, "import", namespace=ns, schemaLocation=SHARED_SCHEMAS[ns][1])

    dokument = _element(root, "element", name="Dokument")
    seq = _element(_element(dokument, "complexType"), "sequence")

    opis = _element(
        _element(_element(seq, "element", name="OpisDokumentu"), "complexType"), "sequence"
    )
    _element(opis, "element", ref="meta:Identyfikator")
    _element(opis, "element", ref="meta:Data")
    _element(opis, "element", ref="meta:Jezyk", minOccurs=0)

    dane = _element(
        _element(_element(seq, "element", name="DaneDokumentu"), "complexType"), "sequence"
    )
    _element(dane, "element", ref="str:Naglowek")
    _element(dane, "element", ref="str:Adresaci")
    _element(dane, "element", ref="str:Nadawcy")

    tresc_el = _element(seq, "element", name="TrescDokumentu")
    tresc_type = _element(tresc_el, "complexType")
    tresc = _element(tresc_type, "sequence")
    has_required_attachment = False
    for spec in iter_fields(definition):
        _field_element(tresc, spec)
        if spec["type"] == "attachment" and unconditionally_required(spec):
            has_required_attachment = True
    _element(tresc, "element", ref="str:Zalaczniki", minOccurs=1 if has_required_attachment else 0)
    _element(tresc_type, "attribute", name="format", type="xs:string", use="required")
    _element(tresc_type, "attribute", name="kodowanie", type="xs:string", use="required")
    _element(tresc_type, "attribute", name="rodzaj", type="xs:string")

    # Signatures (XAdES) are added after the content; their own schema validates them.
    _element(
        seq, "any", namespace=NS_DS, minOccurs=0, maxOccurs="unbounded", processContents="skip"
    )
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


class _SharedSchemaResolver(etree.Resolver):
    """Serve the shared crd.gov.pl schemas from our bundled copies; refuse everything else."""

    def resolve(self, system_url, public_id, context):
        for _ns, (_prefix, location, filename) in SHARED_SCHEMAS.items():
            if system_url == location or system_url.endswith("/" + filename):
                return self.resolve_filename(str(SCHEMA_DIR / filename), context)
        raise etree.XMLSchemaParseError(f"schema location not allowed: {system_url}")


_schema_cache: dict[str, etree.XMLSchema] = {}
_schema_lock = threading.Lock()


def load_schema(xsd_text: str) -> etree.XMLSchema:
    """Compile an XSD (cached by its text); imports resolve to the bundled shared schemas."""
    schema = _schema_cache.get(xsd_text)  # str hashes are cached: a hit costs no hashing
    if schema is None:
        schema = etree.XMLSchema(parse_own(xsd_text, resolver=_SharedSchemaResolver()))
        with _schema_lock:
            if len(_schema_cache) > 256:
                _schema_cache.clear()
            _schema_cache[xsd_text] = schema
    return schema


def schema_errors(schema: etree.XMLSchema, tree: etree._Element | etree._ElementTree) -> list[str]:
    """Validation messages of ``tree`` against ``schema`` (empty = valid)."""
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
