"""Generating a version's XSL visualisation (XSLT 1.0 → HTML) from its definition."""

from __future__ import annotations

from lxml import etree

from .constants import FORM_PREFIX, NS_DS, NS_XSL, NSMAP_SHARED
from .definition import text_of

X = f"{{{NS_XSL}}}"
W = FORM_PREFIX + ":"

STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 11pt;
       color: #111; margin: 1.5em; line-height: 1.4; }
.dokument h1 { font-size: 1.5em; margin: 0 0 .3em; }
.dokument h2 { font-size: 1.15em; margin: 1.2em 0 .4em; border-bottom: 1px solid #555; }
.dokument .meta { color: #333; font-size: .9em; }
.dokument .strony { display: flex; gap: 2em; flex-wrap: wrap; }
.dokument .strony > div { flex: 1 1 15em; }
.dokument dl { margin: 0; }
.dokument dt { font-weight: bold; margin-top: .5em; }
.dokument dd { margin: 0 0 0 1em; }
.dokument dd.wiele-linii { white-space: pre-wrap; }
.dokument ol, .dokument ul { margin: .2em 0; padding-left: 1.5em; }
.dokument .podpis { margin-top: 1.5em; font-style: italic; }
@page { size: A4; margin: 18mm 16mm; }
"""


def _x(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, X + tag, attrs)


def _h(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _value_of(parent: etree._Element, select: str) -> None:
    _x(parent, "value-of", select=select)


def _choice_labels(parent: etree._Element, spec: dict, select: str) -> None:
    choose = _x(parent, "choose")
    for option in spec.get("options", []):
        when = _x(choose, "when", test=f"{select}='{option['value']}'")
        when.text = text_of(option.get("label"), "pl") or str(option["value"])
    otherwise = _x(choose, "otherwise")
    _value_of(otherwise, select)


def _render_value(dd: etree._Element, spec: dict) -> None:
    name = W + spec["name"]
    ftype = spec["type"]
    if ftype == "textarea":
        dd.set("class", "wiele-linii")
        _value_of(dd, name)
    elif ftype == "money":
        _value_of(dd, f"format-number({name}, '#\u00a0##0,00', 'pl')")
        _x(dd, "text").text = "\u00a0zł"
    elif ftype == "number":
        _value_of(dd, f"translate({name}, '.', ',')")
    elif ftype == "date":
        _value_of(
            dd,
            f"concat(substring({name},9,2),'.',substring({name},6,2),'.',substring({name},1,4))",
        )
    elif ftype == "yesno":
        choose = _x(dd, "choose")
        _x(choose, "when", test=f"{name}='true' or {name}='1'").text = "Tak"
        _x(choose, "otherwise").text = "Nie"
    elif ftype == "declaration":
        _x(_x(dd, "if", test=f"{name}='true' or {name}='1'"), "text").text = "Potwierdzam"
    elif ftype == "address" and spec.get("building_optional"):
        _x(dd, "for-each", select=name).append(_address_paragraph(W))
    elif ftype == "choice":
        _choice_labels(dd, spec, name)
    elif ftype == "multichoice":
        ul = _h(dd, "ul")
        each = _x(ul, "for-each", select=f"{name}/{W}Wartosc")
        _choice_labels(_h(each, "li"), spec, ".")
    elif ftype in ("person", "address", "institution"):
        _x(dd, "apply-templates", select=f"{name}/*")
    elif ftype == "attachment":
        ul = _h(dd, "ul")
        each = _x(ul, "for-each", select=f"{name}/{W}Plik")
        _x(each, "variable", name="nr", select="number(@nr)")
        li = _h(each, "li")
        _value_of(li, "../../str:Zalaczniki/str:Zalacznik[position()=$nr]/@nazwaPliku")
    elif ftype == "group":
        ol = _h(dd, "ol")
        each = _x(ol, "for-each", select=name)
        dl = _h(_h(each, "li"), "dl")
        for child in spec.get("fields", []):
            _render_field(dl, child)
    else:
        _value_of(dd, name)


def _address_paragraph(prefix: str) -> etree._Element:
    """An address (``adr:Adres``, or a plot address in the form's namespace) as a paragraph:
    the parts are read relative to the current node, with names starting with ``prefix``."""
    p = etree.Element("p", {"class": "adres"})
    street = _x(p, "choose")
    when = _x(street, "when", test=f"{prefix}Ulica")
    _value_of(when, f"{prefix}Ulica")
    _x(when, "text").text = " "
    otherwise = _x(street, "otherwise")
    _value_of(otherwise, f"{prefix}Miejscowosc")
    _x(otherwise, "text").text = " "
    _value_of(p, f"{prefix}Budynek")
    unit = _x(p, "if", test=f"{prefix}Lokal")
    _x(unit, "text").text = "/"
    _value_of(unit, f"{prefix}Lokal")
    _h(p, "br")
    _value_of(p, f"{prefix}KodPocztowy")
    _x(p, "text").text = " "
    post = _x(p, "choose")
    _value_of(_x(post, "when", test=f"{prefix}Poczta"), f"{prefix}Poczta")
    _value_of(_x(post, "otherwise"), f"{prefix}Miejscowosc")
    return p


def _render_field(dl: etree._Element, spec: dict) -> None:
    present = _x(dl, "if", test=W + spec["name"])
    _h(present, "dt", text_of(spec.get("label"), "pl"))
    _render_value(_h(present, "dd"), spec)


def generate_xsl(definition: dict, namespace: str) -> str:
    """The reference visualisation of documents of this version (deterministic text)."""
    nsmap = {"xsl": NS_XSL, FORM_PREFIX: namespace, **NSMAP_SHARED, "ds": NS_DS}
    sheet = etree.Element(
        X + "stylesheet",
        {
            "version": "1.0",
            "exclude-result-prefixes": " ".join(sorted(k for k in nsmap if k != "xsl")),
        },
        nsmap=nsmap,
    )
    _x(
        sheet,
        "output",
        method="html",
        encoding="UTF-8",
        indent="no",
        **{"doctype-system": "about:legacy-compat"},
    )
    _x(
        sheet,
        "decimal-format",
        name="pl",
        **{"decimal-separator": ",", "grouping-separator": "\u00a0"},
    )

    root_t = _x(sheet, "template", match="/")
    html = _h(root_t, "html", lang="pl")
    head = _h(html, "head")
    _h(head, "meta", charset="utf-8")
    title_el = _h(head, "title")
    _value_of(title_el, f"{W}Dokument/{W}DaneDokumentu/str:Naglowek/str:NazwaDokumentu")
    _h(head, "style", STYLE)
    body = _h(html, "body")
    _x(body, "apply-templates", select=f"{W}Dokument")

    doc_t = _x(sheet, "template", match=f"{W}Dokument")
    article = _h(doc_t, "article", **{"class": "dokument"})
    h1 = _h(article, "h1")
    _value_of(h1, f"{W}DaneDokumentu/str:Naglowek/str:NazwaDokumentu")
    meta = _h(article, "p", "Wzór: ", **{"class": "meta"})
    _value_of(meta, f"{W}OpisDokumentu/meta:Identyfikator/meta:Wartosc")
    _x(meta, "text").text = " \u00b7 utworzono: "
    czas = f"{W}OpisDokumentu/meta:Data/meta:Czas"
    _value_of(
        meta,
        f"concat(substring({czas},9,2),'.',substring({czas},6,2),'.',"
        f"substring({czas},1,4),' ',substring({czas},12,5))",
    )
    parties = _h(article, "section", **{"class": "strony"})
    for heading, path in (("Adresat", "str:Adresaci"), ("Nadawca", "str:Nadawcy")):
        div = _h(parties, "div")
        _h(div, "h2", heading)
        _x(div, "apply-templates", select=f"{W}DaneDokumentu/{path}/meta:Podmiot/*")

    tresc = _x(article, "for-each", select=f"{W}TrescDokumentu")
    for step in definition.get("steps", []):
        fields = step.get("fields", [])
        if not fields:
            continue
        test = " or ".join(W + spec["name"] for spec in fields)
        section = _h(_x(tresc, "if", test=test), "section")
        _h(section, "h2", text_of(step.get("title"), "pl"))
        dl = _h(section, "dl")
        for spec in fields:
            _render_field(dl, spec)
    zal = _x(tresc, "if", test="str:Zalaczniki")
    section = _h(zal, "section")
    _h(section, "h2", "Załączniki")
    ol = _h(section, "ol")
    each = _x(ol, "for-each", select="str:Zalaczniki/str:Zalacznik")
    li = _h(each, "li")
    _value_of(li, "@nazwaPliku")
    _x(li, "text").text = " ("
    _value_of(li, "@format")
    _x(li, "text").text = ")"
    signed = _x(article, "if", test="ds:Signature")
    _h(signed, "p", "Dokument podpisany elektronicznie.", **{"class": "podpis"})

    # shared blocks
    osoba = _x(sheet, "template", match="oso:Osoba")
    p = _h(osoba, "p")
    _value_of(p, "oso:Imie")
    _x(p, "text").text = " "
    _value_of(p, "oso:Nazwisko")
    pesel = _x(p, "if", test="oso:IdOsoby/oso:PESEL")
    _h(pesel, "br")
    _x(pesel, "text").text = "PESEL: "
    _value_of(pesel, "oso:IdOsoby/oso:PESEL")
    _x(osoba, "apply-templates", select="adr:Adres")

    inst = _x(sheet, "template", match="inst:Instytucja")
    p = _h(inst, "p")
    _value_of(p, "inst:NazwaInstytucji")
    for element in ("NIP", "REGON", "KRS"):
        cond = _x(p, "if", test=f"inst:IdInstytucji/inst:{element}")
        _h(cond, "br")
        _x(cond, "text").text = f"{element}: "
        _value_of(cond, f"inst:IdInstytucji/inst:{element}")
    _x(inst, "apply-templates", select="adr:Adres")

    _x(sheet, "template", match="adr:Adres").append(_address_paragraph("adr:"))

    etree.indent(sheet, space="  ")
    text = etree.tostring(sheet, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
    return text
