"""Forms platform benchmark: documents built + XSD-validated per second, and server-side
validations per second, for a 30-field form with 2 attachments.

The floor ("peer") is plain lxml: hand-written code that produces the very same document bytes
(asserted), knowing the form by heart: no field-type registry, no data or schema validation.
Goal: building a document costs at most 2x the floor.

    .venv/bin/python bench/bench_forms_build.py
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")

import django

django.setup()

from lxml import etree  # noqa: E402

from forms_platform import selectors, validation  # noqa: E402
from forms_platform.constants import NS_ADR, NS_INST, NS_META, NS_OSO, NS_STR, NS_XSI  # noqa: E402
from forms_platform.models import FormTemplate, FormVersion, VersionStatus  # noqa: E402
from forms_platform.xsd import generate_xsd  # noqa: E402
from forms_platform.xsl import generate_xsl  # noqa: E402

NS = "http://sekap.slaskie.pl/wzor_lokalny/2026/01/01/9999/"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # ~10 kB each
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40

FIELDS = [
    {
        "name": "Wnioskodawca",
        "type": "person",
        "label": "Wnioskodawca",
        "required": True,
        "with_address": True,
    },
    {"name": "Firma", "type": "institution", "label": "Firma", "with_address": True},
    {
        "name": "AdresNieruchomosci",
        "type": "address",
        "label": "Adres nieruchomości",
        "required": True,
    },
    {"name": "Email", "type": "email", "label": "E-mail", "required": True},
    {"name": "Telefon", "type": "phone", "label": "Telefon"},
    {"name": "Rachunek", "type": "iban", "label": "Rachunek"},
    {"name": "NIP", "type": "nip", "label": "NIP"},
    {"name": "REGON", "type": "regon", "label": "REGON"},
    {"name": "PESELWspolwlasciciela", "type": "pesel", "label": "PESEL"},
    {"name": "KodPocztowy", "type": "postal_code", "label": "Kod"},
    {
        "name": "Rodzaj",
        "type": "choice",
        "label": "Rodzaj",
        "required": True,
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
    {
        "name": "Zakres",
        "type": "multichoice",
        "label": "Zakres",
        "options": [
            {"value": "x", "label": "X"},
            {"value": "y", "label": "Y"},
            {"value": "z", "label": "Z"},
        ],
    },
    {"name": "Zgoda", "type": "yesno", "label": "Zgoda", "required": True},
    {"name": "Opis", "type": "textarea", "label": "Opis", "required_if": 'Rodzaj == "b"'},
]
FIELDS += [{"name": f"Tekst{i}", "type": "text", "label": f"Tekst {i}"} for i in range(6)]
FIELDS += [
    {"name": f"Data{i}", "type": "date", "label": f"Data {i}", "not_future": True} for i in range(3)
]
FIELDS += [{"name": f"Kwota{i}", "type": "money", "label": f"Kwota {i}"} for i in range(3)]
FIELDS += [
    {"name": "Liczba", "type": "number", "label": "Liczba", "min_value": 0},
    {
        "name": "Pozycje",
        "type": "group",
        "label": "Pozycje",
        "max_items": 5,
        "fields": [
            {"name": "Nazwa", "type": "text", "label": "Nazwa"},
            {"name": "Ilosc", "type": "number", "label": "Ilość"},
        ],
    },
    {"name": "Skan", "type": "attachment", "label": "Skan", "allowed_types": ["pdf"]},
    {"name": "Zdjecie", "type": "attachment", "label": "Zdjęcie", "allowed_types": ["png"]},
]
assert len(FIELDS) == 30
DEFINITION = {"format": 1, "steps": [{"key": "a", "title": "A", "fields": FIELDS}]}
ADDRESS = {"postal_code": "44-100", "city": "Gliwice", "street": "Zwycięstwa", "building": "21"}
DATA = {
    "Wnioskodawca": {
        "first_name": "Anna",
        "last_name": "Nowak",
        "pesel": "44051401359",
        "address": ADDRESS,
    },
    "Firma": {
        "name": "Handel sp. z o.o.",
        "nip": "1234563218",
        "regon": "123456785",
        "address": ADDRESS,
    },
    "AdresNieruchomosci": ADDRESS,
    "Email": "anna@example.pl",
    "Telefon": "+48321234567",
    "Rachunek": "PL61109010140000071219812874",
    "NIP": "1234563218",
    "REGON": "123456785",
    "PESELWspolwlasciciela": "02070803628",
    "KodPocztowy": "40-001",
    "Rodzaj": "b",
    "Zakres": ["x", "z"],
    "Zgoda": True,
    "Opis": "Opis sprawy.\nDruga linia.",
    **{f"Tekst{i}": f"Wartość pola {i} zażółć" for i in range(6)},
    **{f"Data{i}": f"2024-0{i + 1}-15" for i in range(3)},
    **{f"Kwota{i}": 12345 * (i + 1) for i in range(3)},
    "Liczba": 42,
    "Pozycje": [{"Nazwa": "Biurko", "Ilosc": 2}, {"Nazwa": "Krzesło", "Ilosc": 4}],
    "Skan": [{"name": "skan.pdf", "content": PDF}],
    "Zdjecie": [{"name": "foto.png", "content": PNG}],
}
SENDER = {"kind": "person", "first_name": "Anna", "last_name": "Nowak"}
ADDRESSEE = {"kind": "institution", "name": "Urząd Miasta Gliwice"}
CLEANED, _ERRORS = validation.clean_data(DEFINITION, DATA)
assert not _ERRORS, _ERRORS


def version() -> FormVersion:
    template = FormTemplate(slug="bench", name="Bench form")
    return FormVersion(
        template=template,
        number=1,
        status=VersionStatus.PUBLISHED,
        definition=DEFINITION,
        description={"title": "Wniosek testowy"},
        namespace=NS,
        identifier="2026/01/01/9999",
        xsd=generate_xsd(DEFINITION, NS),
        xsl=generate_xsl(DEFINITION, NS),
    )


CREATED = dt.datetime(2026, 1, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
NSMAP = {
    "wnio": NS,
    "meta": NS_META,
    "str": NS_STR,
    "oso": NS_OSO,
    "inst": NS_INST,
    "adr": NS_ADR,
    "xsi": NS_XSI,
}
W, META, STR, OSO, INST, ADR = (f"{{{n}}}" for n in (NS, NS_META, NS_STR, NS_OSO, NS_INST, NS_ADR))
ADDRESS_TAGS = [
    ("postal_code", "KodPocztowy"),
    ("post_office", "Poczta"),
    ("city", "Miejscowosc"),
    ("street", "Ulica"),
    ("building", "Budynek"),
    ("unit", "Lokal"),
]


def floor_document() -> bytes:
    """The floor: the very same document written with straight-line lxml calls, knowing the
    form by heart: no registry, no data validation, no schema validation."""
    sub = etree.SubElement
    d = CLEANED

    def address(parent, a):
        el = sub(parent, ADR + "Adres")
        for key, tag in ADDRESS_TAGS:
            if key in a:
                sub(el, ADR + tag).text = a[key]

    root = etree.Element(W + "Dokument", nsmap=NSMAP)
    root.set(f"{{{NS_XSI}}}schemaLocation", f"{NS} {NS}schemat.xsd")
    opis = sub(root, W + "OpisDokumentu")
    ident = sub(opis, META + "Identyfikator", typIdentyfikatora="idFormularza")
    sub(ident, META + "Wartosc").text = "2026/01/01/9999"
    sub(sub(opis, META + "Data", typDaty="stworzony"), META + "Czas").text = CREATED.isoformat()
    sub(opis, META + "Jezyk", kodJezyka="pol").text = "polski"
    dane = sub(root, W + "DaneDokumentu")
    sub(sub(dane, STR + "Naglowek"), STR + "NazwaDokumentu").text = "Wniosek testowy"
    inst = sub(sub(sub(dane, STR + "Adresaci"), META + "Podmiot"), INST + "Instytucja")
    sub(inst, INST + "NazwaInstytucji").text = ADDRESSEE["name"]
    osoba = sub(sub(sub(dane, STR + "Nadawcy"), META + "Podmiot"), OSO + "Osoba")
    sub(osoba, OSO + "Imie").text = SENDER["first_name"]
    sub(osoba, OSO + "Nazwisko").text = SENDER["last_name"]
    tresc = sub(root, W + "TrescDokumentu", format="text/xml", kodowanie="XML")
    osoba = sub(sub(tresc, W + "Wnioskodawca"), OSO + "Osoba")
    sub(sub(osoba, OSO + "IdOsoby"), OSO + "PESEL").text = d["Wnioskodawca"]["pesel"]
    sub(osoba, OSO + "Imie").text = d["Wnioskodawca"]["first_name"]
    sub(osoba, OSO + "Nazwisko").text = d["Wnioskodawca"]["last_name"]
    address(osoba, d["Wnioskodawca"]["address"])
    inst = sub(sub(tresc, W + "Firma"), INST + "Instytucja")
    sub(inst, INST + "NazwaInstytucji").text = d["Firma"]["name"]
    ids = sub(inst, INST + "IdInstytucji")
    sub(ids, INST + "NIP").text = d["Firma"]["nip"]
    sub(ids, INST + "REGON").text = d["Firma"]["regon"]
    address(inst, d["Firma"]["address"])
    address(sub(tresc, W + "AdresNieruchomosci"), d["AdresNieruchomosci"])
    for key in (
        "Email",
        "Telefon",
        "Rachunek",
        "NIP",
        "REGON",
        "PESELWspolwlasciciela",
        "KodPocztowy",
        "Rodzaj",
    ):
        sub(tresc, W + key).text = d[key]
    zakres = sub(tresc, W + "Zakres")
    for value in d["Zakres"]:
        sub(zakres, W + "Wartosc").text = value
    sub(tresc, W + "Zgoda").text = "true" if d["Zgoda"] else "false"
    sub(tresc, W + "Opis").text = d["Opis"]
    for i in range(6):
        sub(tresc, W + f"Tekst{i}").text = d[f"Tekst{i}"]
    for i in range(3):
        sub(tresc, W + f"Data{i}").text = d[f"Data{i}"].isoformat()
    for i in range(3):
        zl, gr = divmod(d[f"Kwota{i}"], 100)
        sub(tresc, W + f"Kwota{i}").text = f"{zl}.{gr:02d}"
    sub(tresc, W + "Liczba").text = str(d["Liczba"])
    for item in d["Pozycje"]:
        el = sub(tresc, W + "Pozycje")
        sub(el, W + "Nazwa").text = item["Nazwa"]
        sub(el, W + "Ilosc").text = str(item["Ilosc"])
    sub(sub(tresc, W + "Skan"), W + "Plik", nr="1")
    sub(sub(tresc, W + "Zdjecie"), W + "Plik", nr="2")
    zalaczniki = sub(tresc, STR + "Zalaczniki")
    for attachment in d["Skan"] + d["Zdjecie"]:
        zal = sub(
            zalaczniki,
            STR + "Zalacznik",
            format=attachment.content_type,
            kodowanie="base64",
            nazwaPliku=attachment.name,
        )
        sub(zal, STR + "DaneZalacznika").text = base64.b64encode(attachment.content).decode("ascii")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def rate(func, *, seconds: float = 1.5, repeats: int = 5) -> float:
    """Median calls per second over ``repeats`` timed runs."""
    func()
    results = []
    for _ in range(repeats):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / repeats:
            func()
            count += 1
        results.append(count / elapsed)
    return statistics.median(results)


def paired_rates(
    ours, floor, *, rounds: int = 15, slice_seconds: float = 0.2
) -> tuple[float, float, float]:
    """Rates of ``ours`` and ``floor`` measured in alternating slices (so that load from other
    processes hits both alike); returns (ours/s, floor/s, median of per-round cost ratios)."""
    ours(), floor()
    ours_rates, floor_rates, ratios = [], [], []
    for _ in range(rounds):
        pair = []
        for func in (ours, floor):
            count, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < slice_seconds:
                func()
                count += 1
            pair.append(count / elapsed)
        ours_rates.append(pair[0])
        floor_rates.append(pair[1])
        ratios.append(pair[1] / pair[0])
    return statistics.median(ours_rates), statistics.median(floor_rates), statistics.median(ratios)


def main() -> None:
    v = version()
    document = selectors.build_document(version=v, data=DATA, sender=SENDER, addressee=ADDRESSEE)
    assert selectors.read_document(document, version=v).data["Skan"][0].content == PDF

    def ours_document() -> bytes:
        return selectors.build_clean_document(
            version=v, cleaned=CLEANED, sender=SENDER, addressee=ADDRESSEE, created=CREATED
        )

    assert ours_document() == floor_document(), "the floor must produce the very same bytes"
    ours, floor, ratio = paired_rates(ours_document, floor_document)
    validations = rate(lambda: validation.clean_data(DEFINITION, DATA))
    full = rate(
        lambda: selectors.build_document(version=v, data=DATA, sender=SENDER, addressee=ADDRESSEE)
    )
    print(f"form: 30 fields, 2 attachments ({len(PDF) + len(PNG)} B), document {len(document)} B")
    print(f"ours  build + XSD-validate + serialise:        {ours:8.0f} docs/s")
    print(f"floor same bytes by hand-written lxml code:    {floor:8.0f} docs/s")
    print(f"cost ratio ours/floor (median of paired rounds): {ratio:.2f}x (goal <= 2x)")
    print(f"server-side validation of the form's data:     {validations:8.0f} /s")
    print(f"validate + build + XSD-validate (one call):    {full:8.0f} docs/s")


if __name__ == "__main__":
    main()
