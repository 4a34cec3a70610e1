"""Building a form's XML document from canonical data, and reading it back.

These functions are pure: they take a definition, a namespace and an identifier, never the
database. ``services``/``selectors`` wrap them with a stored ``FormVersion``.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from lxml import etree

from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted

from . import fieldtypes
from .constants import FORM_PREFIX, NS_INST, NS_META, NS_OSO, NS_STR, NS_XSI, NSMAP_SHARED
from .definition import iter_fields

META = f"{{{NS_META}}}"
STR = f"{{{NS_STR}}}"
OSO = f"{{{NS_OSO}}}"
INST = f"{{{NS_INST}}}"

MAX_DOCUMENT_BYTES = 80 * 1024 * 1024


class DocumentError(ValueError):
    """The bytes are not a document of a known form version, or not a well-formed one."""


@dataclass
class Envelope:
    """What a document says besides its content: which form, who to, who from, when."""

    namespace: str
    identifier: str
    title: str = ""
    created: dt.datetime | None = None
    sender: dict = field(default_factory=dict)
    addressee: dict = field(default_factory=dict)
    signed: bool = False


def party_to_xml(parent: etree._Element, party: dict) -> None:
    podmiot = etree.SubElement(parent, META + "Podmiot")
    if party.get("kind") == "person":
        fieldtypes.person_to_xml(podmiot, party)
    else:
        fieldtypes.institution_to_xml(podmiot, party)


def party_from_xml(podmiot: etree._Element) -> dict:
    child = podmiot[0]
    if child.tag == OSO + "Osoba":
        return {"kind": "person", **fieldtypes.person_from_xml(child)}
    return {"kind": "institution", **fieldtypes.institution_from_xml(child)}


def clean_party(party: dict | None, *, role: str) -> dict:
    """Canonical sender/addressee; raise DocumentError when it cannot be written."""
    party = dict(party or {})
    kind = party.get("kind") or ("person" if "last_name" in party else "institution")
    address = party.get("address")
    if kind == "person":
        value, issues = fieldtypes.coerce_person(
            party, require_pesel=False, with_address=bool(address)
        )
    else:
        value, issues = fieldtypes.coerce_institution(party, with_address=bool(address))
    if issues:
        raise DocumentError(f"{role}: " + "; ".join(f"{p}: {m}" for p, m in issues))
    return {"kind": kind, **value}


def build_xml(
    *,
    definition: dict,
    namespace: str,
    identifier: str,
    title: str,
    data: dict,
    sender: dict,
    addressee: dict,
    created: dt.datetime | None = None,
) -> etree._Element:
    """The ``Dokument`` element for already cleaned data (see ``validation.clean_data``)."""
    ns = f"{{{namespace}}}"
    root = etree.Element(
        ns + "Dokument", nsmap={FORM_PREFIX: namespace, **NSMAP_SHARED, "xsi": NS_XSI}
    )
    root.set(f"{{{NS_XSI}}}schemaLocation", f"{namespace} {namespace}schemat.xsd")

    opis = etree.SubElement(root, ns + "OpisDokumentu")
    ident = etree.SubElement(opis, META + "Identyfikator", typIdentyfikatora="idFormularza")
    etree.SubElement(ident, META + "Wartosc").text = identifier
    created = created or timezone.now()
    created = (
        timezone.localtime(created).replace(microsecond=0)
        if timezone.is_aware(created)
        else created
    )
    data_el = etree.SubElement(opis, META + "Data", typDaty="stworzony")
    etree.SubElement(data_el, META + "Czas").text = created.isoformat()
    etree.SubElement(opis, META + "Jezyk", kodJezyka="pol").text = "polski"

    dane = etree.SubElement(root, ns + "DaneDokumentu")
    naglowek = etree.SubElement(dane, STR + "Naglowek")
    etree.SubElement(naglowek, STR + "NazwaDokumentu").text = title
    party_to_xml(etree.SubElement(dane, STR + "Adresaci"), addressee)
    party_to_xml(etree.SubElement(dane, STR + "Nadawcy"), sender)

    tresc = etree.SubElement(root, ns + "TrescDokumentu", format="text/xml", kodowanie="XML")
    ctx = fieldtypes.Context(ns=namespace)
    for spec in iter_fields(definition):
        value = data.get(spec["name"])
        if value is None or fieldtypes.is_empty(value):
            continue
        _field_to_xml(tresc, spec, value, ctx)
    if ctx.attachments:
        zalaczniki = etree.SubElement(tresc, STR + "Zalaczniki")
        for attachment in ctx.attachments:
            zal = etree.SubElement(
                zalaczniki,
                STR + "Zalacznik",
                format=attachment.content_type,
                kodowanie="base64",
                nazwaPliku=attachment.name,
            )
            etree.SubElement(zal, STR + "DaneZalacznika").text = base64.b64encode(
                attachment.content
            ).decode("ascii")
    return root


def _field_to_xml(parent: etree._Element, spec: dict, value: Any, ctx: fieldtypes.Context) -> None:
    if spec["type"] == "group":
        for item in value:
            el = etree.SubElement(parent, ctx.ns + spec["name"])
            for child in spec.get("fields", []):
                if child["name"] in item and not fieldtypes.is_empty(item[child["name"]]):
                    _field_to_xml(el, child, item[child["name"]], ctx)
        return
    fieldtypes.get(spec["type"]).to_xml(parent, spec, value, ctx)


def safe_parse(xml_bytes: bytes) -> etree._Element:
    """Parse an untrusted form document with the project's one hardened parser (no DTD, no
    entities, no network, bounded size); its refusal becomes a DocumentError."""
    limits = ParseLimits(max_bytes=MAX_DOCUMENT_BYTES, long_text=True)
    try:
        return parse_untrusted(bytes(xml_bytes), limits=limits).root
    except XmlRejected as exc:
        raise DocumentError(exc.message) from None


def read_envelope(root: etree._Element) -> Envelope:
    if etree.QName(root).localname != "Dokument" or not etree.QName(root).namespace:
        raise DocumentError("the root element is not a form's Dokument")
    namespace = etree.QName(root).namespace
    ns = f"{{{namespace}}}"
    identifier = root.findtext(f"{ns}OpisDokumentu/{META}Identyfikator/{META}Wartosc") or ""
    envelope = Envelope(namespace=namespace, identifier=identifier)
    czas = root.findtext(f"{ns}OpisDokumentu/{META}Data/{META}Czas")
    if czas:
        try:
            envelope.created = dt.datetime.fromisoformat(czas)
        except ValueError:
            envelope.created = None
    envelope.title = root.findtext(f"{ns}DaneDokumentu/{STR}Naglowek/{STR}NazwaDokumentu") or ""
    podmiot = root.find(f"{ns}DaneDokumentu/{STR}Adresaci/{META}Podmiot")
    if podmiot is not None and len(podmiot):
        envelope.addressee = party_from_xml(podmiot)
    podmiot = root.find(f"{ns}DaneDokumentu/{STR}Nadawcy/{META}Podmiot")
    if podmiot is not None and len(podmiot):
        envelope.sender = party_from_xml(podmiot)
    envelope.signed = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    return envelope


def read_data(root: etree._Element, definition: dict) -> dict:
    """Form data from a (schema-valid) document: the inverse of ``build_xml``."""
    namespace = etree.QName(root).namespace
    ns = f"{{{namespace}}}"
    tresc = root.find(ns + "TrescDokumentu")
    if tresc is None:
        raise DocumentError("the document has no TrescDokumentu")
    ctx = fieldtypes.Context(ns=namespace)
    zalaczniki = tresc.find(STR + "Zalaczniki")
    if zalaczniki is not None:
        for zal in zalaczniki:
            ctx.zalaczniki.append(
                fieldtypes.Attachment(
                    name=zal.get("nazwaPliku", ""),
                    content_type=zal.get("format", ""),
                    content=base64.b64decode(zal.findtext(STR + "DaneZalacznika") or ""),
                )
            )
    specs = {spec["name"]: spec for spec in iter_fields(definition)}
    data: dict[str, Any] = {}
    for el in tresc:
        if not isinstance(el.tag, str) or not el.tag.startswith(ns):
            continue
        spec = specs.get(el.tag[len(ns) :])
        if spec is None:
            raise DocumentError(f"unknown element {el.tag}")
        if spec["type"] == "group":
            data.setdefault(spec["name"], []).append(_group_item(el, spec, ctx))
        else:
            data[spec["name"]] = fieldtypes.get(spec["type"]).from_xml(el, spec, ctx)
    return data


def _group_item(el: etree._Element, spec: dict, ctx: fieldtypes.Context) -> dict:
    children = {child["name"]: child for child in spec.get("fields", [])}
    item: dict[str, Any] = {}
    for child_el in el:
        if not isinstance(child_el.tag, str):
            continue
        child = children[etree.QName(child_el).localname]
        item[child["name"]] = fieldtypes.get(child["type"]).from_xml(child_el, child, ctx)
    return item
