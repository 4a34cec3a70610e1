"""Hypothesis strategies: random form definitions and valid canonical data for them."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

from hypothesis import strategies as st
from stdnum import iban as std_iban

from forms_platform.fieldtypes import Attachment

LETTERS = string.ascii_letters + "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
WORD = st.text(alphabet=LETTERS + string.digits + "-'.,&<>\"", min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
NAME = st.text(alphabet=LETTERS, min_size=1, max_size=12)

SIMPLE_TYPES = [
    "text",
    "textarea",
    "number",
    "money",
    "date",
    "choice",
    "multichoice",
    "yesno",
    "declaration",
    "email",
    "phone",
    "pesel",
    "nip",
    "regon",
    "iban",
    "postal_code",
    "person",
    "address",
    "institution",
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF = b"%PDF-1.7\n"


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=n, max_size=n)


@st.composite
def pesels(draw) -> str:
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
    month = day.month + (20 if day.year >= 2000 else 0)
    body = f"{day.year % 100:02d}{month:02d}{day.day:02d}" + draw(_digits(4))
    check = (
        10 - sum(w * int(d) for w, d in zip((1, 3, 7, 9, 1, 3, 7, 9, 1, 3), body, strict=True)) % 10
    ) % 10
    return body + str(check)


@st.composite
def nips(draw) -> str:
    body = draw(
        _digits(9).filter(
            lambda b: (
                sum(w * int(d) for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), b, strict=True)) % 11
                != 10
            )
        )
    )
    return body + str(
        sum(w * int(d) for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), body, strict=True)) % 11
    )


@st.composite
def regons(draw) -> str:
    body = draw(_digits(8))
    return body + str(
        sum(w * int(d) for w, d in zip((8, 9, 2, 3, 4, 5, 6, 7), body, strict=True)) % 11 % 10
    )


@st.composite
def ibans(draw) -> str:
    bban = draw(_digits(24))
    return "PL" + std_iban.calc_check_digits("PL00" + bban) + bban


POSTAL = st.from_regex(r"[0-9]{2}-[0-9]{3}", fullmatch=True)
OPTIONS = [{"value": v, "label": f"Opcja {v}"} for v in ("a", "b", "c", "d")]


@st.composite
def addresses(draw, building_optional: bool = False) -> dict:
    value = {"postal_code": draw(POSTAL), "city": draw(LINE)}
    if not building_optional or draw(st.booleans()):
        value["building"] = draw(_digits(2).map(lambda s: s.lstrip("0") or "1"))
    for key in ("post_office", "street", "unit"):
        if draw(st.booleans()):
            value[key] = draw(WORD if key == "unit" else LINE)
    return value


@st.composite
def people(draw, spec: dict) -> dict:
    value = {"first_name": draw(NAME), "last_name": draw(NAME)}
    if spec.get("require_pesel", True) or draw(st.booleans()):
        value["pesel"] = draw(pesels())
    if spec.get("with_address"):
        value["address"] = draw(addresses())
    return value


@st.composite
def institutions(draw, spec: dict) -> dict:
    value = {"name": draw(LINE)}
    if spec.get("require_nip") or draw(st.booleans()):
        value["nip"] = draw(nips())
    if draw(st.booleans()):
        value["regon"] = draw(regons())
    if draw(st.booleans()):
        value["krs"] = draw(_digits(10))
    if spec.get("with_address"):
        value["address"] = draw(addresses())
    return value


def value_for(spec: dict) -> st.SearchStrategy:
    t = spec["type"]
    if t == "text":
        return LINE
    if t == "textarea":
        return st.lists(LINE, min_size=1, max_size=3).map("\n".join)
    if t == "number":
        if spec.get("decimals"):
            return st.decimals(
                min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False
            )
        return st.integers(-(10**9), 10**9)
    if t == "money":
        return st.integers(0, 10**11)
    if t == "date":
        return st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
    if t == "choice":
        return st.sampled_from([o["value"] for o in OPTIONS])
    if t == "multichoice":
        return st.sets(st.sampled_from([o["value"] for o in OPTIONS]), min_size=1).map(
            lambda chosen: [o["value"] for o in OPTIONS if o["value"] in chosen]
        )
    if t == "yesno":
        return st.booleans()
    if t == "declaration":
        return st.just(True)
    if t == "email":
        return st.tuples(
            st.text(string.ascii_lowercase + string.digits + "._", min_size=1, max_size=10),
            st.text(string.ascii_lowercase, min_size=1, max_size=10),
        ).map(lambda p: f"{p[0]}@{p[1]}.pl")
    if t == "phone":
        return st.from_regex(r"\+?[0-9]{9,15}", fullmatch=True)
    if t == "pesel":
        return pesels()
    if t == "nip":
        return nips()
    if t == "regon":
        return regons()
    if t == "iban":
        return ibans()
    if t == "postal_code":
        return POSTAL
    if t == "person":
        return people(spec)
    if t == "address":
        return addresses(building_optional=bool(spec.get("building_optional")))
    if t == "institution":
        return institutions(spec)
    if t == "attachment":
        one = st.tuples(
            st.sampled_from([("pdf", PDF, "application/pdf"), ("png", PNG, "image/png")]),
            st.binary(max_size=64),
            st.text(string.ascii_letters + "ąę ", min_size=1, max_size=10).map(str.strip),
        )
        return st.lists(one, min_size=1, max_size=int(spec.get("max_files") or 1)).map(
            lambda files: [
                Attachment(name=f"{n or 'plik'}.{ext}", content_type=mime, content=magic + tail)
                for (ext, magic, mime), tail, n in files
            ]
        )
    raise AssertionError(t)


@st.composite
def field_specs(draw, index: int, allow_complex: bool = True) -> dict:
    types = SIMPLE_TYPES + (["group", "attachment"] if allow_complex else [])
    t = draw(st.sampled_from(types))
    spec: dict = {
        "name": f"Pole{index}",
        "type": t,
        "label": f"Pole {index} ąę",
        "required": draw(st.booleans()),
    }
    if t == "number":
        spec["decimals"] = draw(st.sampled_from([0, 2]))
    if t in ("choice", "multichoice"):
        spec["options"] = OPTIONS
    if t == "declaration":
        spec["required"] = True
    if t == "address":
        spec["building_optional"] = draw(st.booleans())
    if t == "person":
        spec["require_pesel"] = draw(st.booleans())
        spec["with_address"] = draw(st.booleans())
    if t == "institution":
        spec["with_address"] = draw(st.booleans())
    if t == "attachment":
        spec["allowed_types"] = ["pdf", "png"]
        spec["max_files"] = draw(st.integers(1, 3))
    if t == "group":
        spec["min_items"] = 0
        spec["max_items"] = draw(st.integers(1, 3))
        spec["fields"] = [
            draw(field_specs(index * 10 + i, allow_complex=False))
            for i in range(draw(st.integers(1, 3)))
        ]
        for child in spec["fields"]:
            child["name"] = child["name"].replace("Pole", "Dziecko")
    return spec


@st.composite
def definitions(draw) -> dict:
    count = draw(st.integers(1, 8))
    fields = [draw(field_specs(i)) for i in range(count)]
    split = draw(st.integers(0, count))
    steps = [{"key": "krok1", "title": "Krok pierwszy", "fields": fields[:split] or fields}]
    if fields[split:] and split:
        steps.append({"key": "krok2", "title": "Krok drugi", "fields": fields[split:]})
    return {"format": 1, "steps": steps}


@st.composite
def filled(draw, definition: dict) -> dict:
    data: dict = {}
    for step in definition["steps"]:
        for spec in step["fields"]:
            if not spec.get("required") and not draw(st.booleans()):
                continue
            if spec["type"] == "group":
                items = []
                for _ in range(draw(st.integers(1, spec["max_items"]))):
                    item = {
                        c["name"]: draw(value_for(c))
                        for c in spec["fields"]
                        if c.get("required") or draw(st.booleans())
                    }
                    if item:
                        items.append(item)
                if items:
                    data[spec["name"]] = items
                elif spec.get("required"):
                    first = spec["fields"][0]
                    data[spec["name"]] = [{first["name"]: draw(value_for(first))}]
            else:
                value = draw(value_for(spec))
                if isinstance(value, Decimal):
                    value = value.quantize(Decimal("0.01"))
                data[spec["name"]] = value
    return data
